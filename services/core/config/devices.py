import re
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ..quantities import TOKEN_BALANCE, QuantityKey
from ..roi_rules import roi_problems
from .base import Section, TimeZoneName
from .capture import DeviceCapture
from .prices import PricesConfig

DisplayKind = Literal["lcd7", "drum"]
DigitEngine = Literal["builtin", "tesseract", "ssocr"]
# dark_on_light: an LCD (dark segments on its backlit glass), or black-on-white drums;
# light_on_dark: an LED module (lit red segments on black), or white-on-black drums.
Polarity = Literal["auto", "dark_on_light", "light_on_dark"]
# [x, y, w, h] in pixels of a camera frame (the same shape as the web page's OcrRois).
RoiBox = tuple[
    Annotated[int, Field(ge=0)],
    Annotated[int, Field(ge=0)],
    Annotated[int, Field(gt=0)],
    Annotated[int, Field(gt=0)],
]
DeviceKind = Literal["camera", "p1", "dlt645", "iec62056"]
# Serial framing: data bits, parity (None, Even, Odd), stop bits.
SerialFraming = Literal["8N1", "7E1", "8E1", "7N1", "8O1"]


class OcrAlignment(Section):
    """Fixed features near the display, found again in every frame so that ROIs drawn
    once still fit after the camera was bumped (shifted, turned a little, moved closer)."""

    reference: str = Field(
        description="Reference frame (JPEG or PNG) the marks and ROIs were drawn on; a "
        "relative path is taken under storage.data_dir."
    )
    marks: list[RoiBox] = Field(
        min_length=1,
        max_length=4,
        description="Boxes [x, y, w, h] in the reference frame around distinct features that "
        "never change (a screw, a printed label, a corner of the window). One mark corrects "
        "a shift; two or more also a turn and a change of scale.",
    )
    search_px: int = Field(
        default=40, ge=4, le=400, description="How far, in pixels, a mark may have moved."
    )
    min_score: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="Lowest normalised correlation at which a mark counts as found; below "
        "it the frame is rejected rather than read with misplaced ROIs.",
    )


class OcrPlausibility(Section):
    """Limits a new reading must keep against the previous accepted one (taken from the
    retained state topic); how they apply depends on the quantity's kind."""

    max_rate_per_h: float | None = Field(
        default=None,
        gt=0,
        description="Fastest a counter may rise or a prepaid balance fall, in the quantity's "
        "unit per hour (kWh per hour is kW); none: a household's limit for the unit "
        "(kWh: 25, m³: 10).",
    )
    min_top_up: float = Field(
        default=1.0,
        ge=0,
        description="Smallest rise of a prepaid balance taken as a top-up (a token entered); "
        "a smaller rise is a misread.",
    )
    max_top_up: float = Field(
        default=1000.0, gt=0, description="Largest rise of a prepaid balance taken as a top-up."
    )
    min_value: float | None = Field(
        default=None, description="Lowest value the display can truly show; none: no limit."
    )
    max_value: float | None = Field(
        default=None, description="Highest value the display can truly show; none: no limit."
    )


class OcrConfig(Section):
    display: DisplayKind = Field(default="lcd7", description="7-segment LCD or drum counter.")
    digits: int = Field(default=6, ge=1, le=12, description="Digit positions on the display.")
    decimals: int = Field(default=2, ge=0, le=6, description="Digits after the decimal point.")
    quantity: QuantityKey = Field(
        default=TOKEN_BALANCE, description="Quantity the displayed number is."
    )
    engine: DigitEngine = Field(
        default="builtin",
        description="What reads each digit: builtin (Meterhub's trained classifier and, for "
        "7-segment displays without digit ROIs, its segment reader), or tesseract / ssocr (the "
        "installed programs, as baselines to compare against; Meterhub still finds the "
        "display and the digits and judges the reading).",
    )
    rotation_deg: float = Field(
        default=0.0,
        ge=-360,
        le=360,
        description="Counter-clockwise turn, in degrees, that makes the digits upright (a "
        "camera mounted sideways: 90 or -90). ROIs stay in the coordinates of the frame as "
        "the camera sends it.",
    )
    polarity: Polarity = Field(
        default="auto",
        description="dark_on_light: an LCD or black digits on white drums; light_on_dark: a "
        "LED module or white digits on black drums; auto: try both (a mostly dark window as "
        "a LED first).",
    )
    display_roi: RoiBox | None = Field(
        default=None,
        description="The display [x, y, w, h] in frame pixels: digits are looked for only "
        "inside it; none: found automatically (lcd7). ROIs marked in the web page override it.",
    )
    digit_rois: list[RoiBox] = Field(
        default_factory=list,
        description="One box [x, y, w, h] per digit position, left to right; empty: digits "
        "are found inside the display. ROIs marked in the web page override them.",
    )
    alignment: OcrAlignment | None = Field(
        default=None,
        description="Alignment marks that move the ROIs with a bumped camera; none: ROIs are "
        "used where they are.",
    )
    min_digit_confidence: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="A digit read with less confidence rejects the whole reading.",
    )
    plausibility: OcrPlausibility = Field(
        default_factory=OcrPlausibility,
        description="Checks against the previous accepted reading.",
    )
    confirm_frames: int = Field(
        default=1,
        ge=1,
        le=20,
        description="Frames in a row that must agree (the same value, or moving as the "
        "plausibility rules allow) before a value is published; the frames waiting are no "
        "failures (logged, not rejected). 1: every plausible frame is published.",
    )
    cycling: bool = Field(
        default=False,
        description="The display cycles through registers (a date, the balance, a tariff "
        "code): the wanted one is the layout set by digits and decimals, and a frame whose "
        "decimal point or digit count shows another layout is refused as 'showing another "
        "register', which is no failure (no alert, no problem sensor, no break in "
        "confirm_frames or lock-out runs). Needs the lcd7 reader without digit ROIs, the "
        "one that sees the decimal point.",
    )
    register_mark: RoiBox | None = Field(
        default=None,
        description="A box [x, y, w, h] in frame pixels (on the alignment reference when "
        "alignment is set, and moved with it) around an indicator the display lights only "
        "on the wanted register: the 'kWh' or 'CREDIT' segment, an arrow. A frame whose "
        "mark is dark is refused as 'showing another register' (no failure, as with "
        "cycling); one whose mark is neither clearly lit nor dark is refused with its "
        "contrast. Works with every reader, digit ROIs included.",
    )
    unlock_frames: int = Field(
        default=3,
        ge=2,
        le=100,
        description="Frames in a row that agree with each other (the same value, or moving "
        "as the plausibility rules allow) but not with the stored value, after which they "
        "are accepted as a correction (a 'reading jumped' alert): a wrong value stored once "
        "never locks the meter out.",
    )
    unlock_min_span_s: float = Field(
        default=120.0,
        ge=0,
        description="Seconds those frames must span at least (by their timestamps), so a "
        "burst of the same misread cannot replace the stored value.",
    )

    @model_validator(mode="after")
    def _decimals_fit(self) -> "OcrConfig":
        if self.decimals >= self.digits:
            raise ValueError("decimals must be fewer than digits")
        return self

    @model_validator(mode="after")
    def _usable_rois(self) -> "OcrConfig":
        """The rules the web page's ROIs follow (bounds are checked on each frame)."""
        problems = roi_problems(
            self.display_roi,
            self.digit_rois,
            rotation_deg=self.rotation_deg,
            digits_shown=self.digits,
        )
        if problems:
            raise ValueError("; ".join(problems))
        return self


class SerialPortConfig(Section):
    port: str = Field(
        description="Serial device the gateway opens (a USB adapter's device, a stable "
        "link to it, or socket://host:port for a network serial server)."
    )
    baudrate: int | None = Field(
        default=None,
        gt=0,
        description="Line speed; none: the protocol's default (P1 115200, DL/T 645 2400, "
        "IEC 62056-21 300). DSMR 2.2/3 meters send at 9600.",
    )
    framing: SerialFraming | None = Field(
        default=None,
        description="Data bits, parity, stop bits; none: the protocol's default (P1 8N1, "
        "DL/T 645 8E1, IEC 62056-21 7E1). DSMR 2.2/3 meters use 7E1.",
    )


class Rs485Config(Section):
    edition: Literal["1997", "2007"] = Field(
        default="1997", description="DL/T 645 edition the meter speaks (the CE-711: 1997)."
    )
    address: str = Field(
        default="",
        pattern=r"^[0-9A-Za-z]{0,32}$",
        description="Meter address as printed on it (DL/T 645: up to 12 digits; IEC "
        "62056-21: up to 32 characters); empty: any meter, fine when it is the only one "
        "on the line.",
    )
    phases: Literal[1, 3] = Field(default=1, description="Phases whose values are read.")
    interval_s: float = Field(default=30.0, ge=1, description="Seconds between polls.")
    timeout_s: float = Field(
        default=1.0, gt=0, le=30, description="Wait for each answer before a retry."
    )
    retries: int = Field(default=2, ge=0, le=10, description="Retries of each request.")


class DeviceConfig(Section):
    name: str = Field(default="", description="Human name shown in the UI and Home Assistant.")
    kind: DeviceKind = Field(description="How the meter is read.")
    model: str = Field(default="", description="Meter make and model, for display.")
    timezone: TimeZoneName | None = Field(
        default=None,
        description="IANA zone every page shows this meter's times in (and says so); none: "
        "capacity.timezone for a P1 meter (its quarters and months are billed there), else "
        "storage.timezone.",
    )
    ocr: OcrConfig | None = Field(default=None, description="OCR settings (camera devices).")
    capture: DeviceCapture | None = Field(
        default=None,
        description="Where a camera's frames come from and what triggers a shot; none: the "
        "camera publishes them over MQTT itself.",
    )
    serial: SerialPortConfig | None = Field(
        default=None,
        description="Serial port the gateway reads this meter on (P1, RS-485); none: its "
        "data arrives over MQTT from an ESP32.",
    )
    rs485: Rs485Config | None = Field(
        default=None, description="Polling of an RS-485 meter (dlt645 devices with a serial port)."
    )
    prices: PricesConfig | None = Field(
        default=None,
        description="Energy and capacity prices with their history; none: no money figures.",
    )

    @model_validator(mode="after")
    def _capture_only_for_cameras(self) -> "DeviceConfig":
        if self.capture is not None and self.kind != "camera":
            raise ValueError("capture settings apply to camera devices only")
        return self

    @model_validator(mode="after")
    def _camera_has_ocr(self) -> "DeviceConfig":
        if self.kind == "camera" and self.ocr is None:
            return self.model_copy(update={"ocr": OcrConfig()})
        return self

    @model_validator(mode="after")
    def _polled_meter_has_rs485(self) -> "DeviceConfig":
        polled = self.kind in ("dlt645", "iec62056") and self.serial is not None
        if (
            self.kind == "dlt645"
            and self.rs485
            and not re.fullmatch(r"[0-9Aa]{0,12}", self.rs485.address)
        ):
            raise ValueError("a DL/T 645 address has at most 12 digits (A: wildcard)")
        if polled and self.rs485 is None:
            return self.model_copy(update={"rs485": Rs485Config()})
        return self
