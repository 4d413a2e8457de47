from typing import Literal

from pydantic import Field, model_validator

from .base import Section

DisplayKind = Literal["lcd7", "drum"]
DeviceKind = Literal["camera", "p1", "dlt645", "iec62056"]


class OcrConfig(Section):
    display: DisplayKind = Field(default="lcd7", description="7-segment LCD or drum counter.")
    digits: int = Field(default=6, ge=1, le=12, description="Digit positions on the display.")
    decimals: int = Field(default=2, ge=0, le=6, description="Digits after the decimal point.")
    quantity: str = Field(
        default="token_balance_kwh", description="Quantity the displayed number is."
    )
    engine: Literal["builtin"] = Field(default="builtin", description="Digit reader to use.")

    @model_validator(mode="after")
    def _decimals_fit(self) -> "OcrConfig":
        if self.decimals >= self.digits:
            raise ValueError("decimals must be fewer than digits")
        return self


class DeviceConfig(Section):
    name: str = Field(default="", description="Human name shown in the UI and Home Assistant.")
    kind: DeviceKind = Field(description="How the meter is read.")
    model: str = Field(default="", description="Meter make and model, for display.")
    ocr: OcrConfig | None = Field(default=None, description="OCR settings (camera devices).")

    @model_validator(mode="after")
    def _camera_has_ocr(self) -> "DeviceConfig":
        if self.kind == "camera" and self.ocr is None:
            return self.model_copy(update={"ocr": OcrConfig()})
        return self
