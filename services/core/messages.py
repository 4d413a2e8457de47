"""Pydantic models for every message on the bus (shapes from ARCHITECTURE.md).

Each model parses from the raw payload with ``Model.from_payload(bytes)``, which raises
``InvalidMessage`` with a reason fit for the ``rejected`` topic.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    field_validator,
    model_validator,
)

from .ids import DEVICE_ID_PATTERN
from .quantities import QUANTITIES, QuantityKey
from .timestamps import iso_z

MAX_JSON_PAYLOAD_BYTES = 64 * 1024
# Largest camera frame anyone on the bus accepts (gateway caps are configured below it).
MAX_FRAME_BYTES = 4 * 1024 * 1024


class InvalidMessage(ValueError):
    """A payload that cannot be accepted; ``str(error)`` is the reason."""


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamp needs a time zone (use ISO 8601 with Z)")
    return value.astimezone(UTC)


UtcTimestamp = Annotated[
    datetime, AfterValidator(_aware_utc), PlainSerializer(iso_z, return_type=str)
]
DeviceId = Annotated[str, Field(pattern=DEVICE_ID_PATTERN, max_length=64)]


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex[:16]


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def from_payload(cls, payload: bytes | str) -> Self:
        raw = payload.encode() if isinstance(payload, str) else payload
        if len(raw) > MAX_JSON_PAYLOAD_BYTES:
            raise InvalidMessage(f"payload of {len(raw)} bytes exceeds {MAX_JSON_PAYLOAD_BYTES}")
        try:
            return cls.model_validate_json(raw)
        except ValidationError as error:
            raise InvalidMessage(describe_validation_error(error)) from None

    def to_payload(self) -> bytes:
        return self.model_dump_json(exclude_none=False).encode()


def describe_validation_error(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_url=False):
        where = ".".join(str(p) for p in item["loc"]) or "payload"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


Source = Literal["ocr", "p1", "dlt645", "iec62056", "manual", "sim"]
OCR_ONLY_FIELDS = ("top_up", "corrected_from")  # left out of a reading's JSON when unset


class Reading(Message):
    """A set of values a meter showed at one instant."""

    device: DeviceId
    ts: UtcTimestamp
    source: Source
    values: dict[str, float] = Field(min_length=1)
    confidence: float | None = Field(default=None, ge=0, le=1)
    frame_id: str | None = None
    request_id: str | None = None
    meter_id: str | None = None
    top_up: float | None = Field(
        default=None,
        gt=0,
        description="A prepaid balance rose since the previous accepted reading (a token was "
        "entered): by how much, in the balance's unit; none otherwise.",
    )
    corrected_from: float | None = Field(
        default=None,
        description="The stored value this reading replaces after a lock-out: frames that "
        "agreed with each other but not with it were accepted (a 'reading jumped' alert); "
        "none for every other reading.",
    )

    def to_payload(self) -> bytes:
        """The OCR worker's own fields are written only when set: devices (the firmware)
        build the same bytes without knowing them."""
        exclude = {k for k in OCR_ONLY_FIELDS if getattr(self, k) is None} or None
        return self.model_dump_json(exclude=exclude).encode()

    @field_validator("values")
    @classmethod
    def _known_finite_quantities(cls, values: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(values) - QUANTITIES.keys())
        if unknown:
            raise ValueError(f"unknown quantities {unknown}")
        bad = sorted(k for k, v in values.items() if not math.isfinite(v))
        if bad:
            raise ValueError(f"non-finite values for {bad}")
        return values


# The reason of a frame refused because a cycling display showed another of its registers
# (a date, a tariff code): no failure of the camera or the reader, so nothing counts it.
OTHER_REGISTER = "showing another register"


class Rejected(Message):
    """Data that was refused, with the reason; ``reading`` is what was refused."""

    device: str
    ts: UtcTimestamp = Field(default_factory=utc_now)
    source: str
    reason: str
    reading: Any = None

    @property
    def is_failure(self) -> bool:
        """Whether it counts toward alerts and problem sensors: another register is none."""
        return self.reason != OTHER_REGISTER


class CapacityState(Message):
    """Capacity tariff of one P1 meter after each telegram (``<dev>/capacity``, retained)."""

    device: DeviceId
    ts: UtcTimestamp = Field(description="Time of the telegram it follows.")
    quarter_start: UtcTimestamp = Field(description="Start of the running fixed quarter.")
    quarter_avg_power_w: float = Field(description="Average import so far in this quarter.")
    predicted_quarter_power_w: float = Field(
        description="The quarter's final average if the present power holds to its end."
    )
    new_peak_predicted: bool = Field(
        description="The prediction beats the month peak (and the billing floor)."
    )
    month: str = Field(description="Local month, YYYY-MM.")
    month_peak_power_w: float | None = Field(description="Highest quarter of the month so far.")
    month_peak_at: UtcTimestamp | None = Field(description="End of the month's peak quarter.")
    month_peak_source: Literal["meter", "computed"] | None = Field(
        description="meter: the meter's 1-0:1.6.0; computed: from the quarters seen."
    )
    billed_average_w: float | None = Field(
        description="Average of the last months' peaks, each at least the floor."
    )
    months_averaged: int = Field(description="Month peaks known and averaged (up to 12).")
    floor_w: float = Field(description="Lowest month peak billed.")
    estimated_cost_eur_year: float | None = Field(
        description="billed_average × the configured price; none without a price."
    )


class OcrResult(Message):
    frame_id: str
    digits: str
    confidences: list[float]
    boxes: list[tuple[int, int, int, int]]
    elapsed_ms: float
    rois_updated: UtcTimestamp | None = Field(
        default=None,
        description="``updated`` of the OcrRois the frame was read with; none: none marked.",
    )


RoiBox = tuple[
    Annotated[int, Field(ge=0)],
    Annotated[int, Field(ge=0)],
    Annotated[int, Field(gt=0)],
    Annotated[int, Field(gt=0)],
]
MAX_DIGIT_ROIS = 12  # OcrConfig.digits' upper bound


class OcrRois(Message):
    """Regions a person marked on a camera's frame in the web page (``<dev>/ocr/rois``,
    retained, and the file ``OcrRois.file(data_dir, dev)``). Boxes are ``[x, y, w, h]``
    in pixels of the full frame; they override what the reader finds by itself."""

    display: RoiBox | None = Field(
        default=None, description="The display: the reader looks only inside it; none: anywhere."
    )
    digits: list[RoiBox] = Field(
        default_factory=list,
        max_length=MAX_DIGIT_ROIS,
        description="One box per digit position, left to right; empty: the reader finds them.",
    )
    updated: UtcTimestamp = Field(description="When they were saved.")

    @staticmethod
    def file(data_dir: Path, device: str) -> Path:
        """Where the newest copy lives, for a worker starting before the broker answers."""
        return data_dir / "ocr" / device / "rois.json"


class Correction(Message):
    """What a meter's display really showed, typed by a person for a refused or misread
    frame (``<dev>/correction``). Storage keeps it as a reading with ``source: "manual"``
    at ``ts``, replacing any other reading of that quantity at that time (or of that
    frame), and logs the change; a reading is never rewritten without that row."""

    device: DeviceId
    ts: UtcTimestamp = Field(description="When the corrected frame (or reading) was taken.")
    quantity: QuantityKey = Field(description="Catalogue key of the value corrected.")
    value: float = Field(description="What the display showed, in the quantity's unit.")
    frame_id: str | None = Field(
        default=None, max_length=64, description="The frame corrected; none: a reading only."
    )
    who: str = Field(min_length=1, max_length=64, description="Who typed it (user, chat id).")
    via: Literal["web", "telegram", "cli"] = Field(description="Where it was typed.")
    example: str | None = Field(
        default=None, max_length=64, description="The training example kept from the frame."
    )
    at: UtcTimestamp = Field(default_factory=utc_now, description="When it was typed.")

    @field_validator("value")
    @classmethod
    def _finite_value(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        return value


MAX_BURST = 10  # photos one capture request may ask for
BURST_SPACING_S = 1.0  # between the photos of a burst (a throttle may space them more)


class CaptureRequest(Message):
    request_id: str = Field(default_factory=new_id, max_length=64)
    burst: int = Field(
        default=1,
        ge=1,
        le=MAX_BURST,
        description="Photos to take about a second apart, all with this request_id: a "
        "display cycling through registers shows the wanted one in one of them.",
    )


class TokenSet(Message):
    token: str = Field(max_length=64)
    request_id: str = Field(default_factory=new_id, max_length=64)
    source: str = Field(default="unknown", max_length=32)


TokenStep = Literal["queued", "typing", "typed", "verified", "failed"]


class TokenState(Message):
    request_id: str
    state: TokenStep
    detail: str = ""
    ts: UtcTimestamp = Field(default_factory=utc_now, description="When this step was reached.")
    balance_before_kwh: float | None = Field(
        default=None, description="Balance known before typing (from typing on)."
    )
    balance_after_kwh: float | None = Field(
        default=None, description="Balance read after typing (verified, or failed on it)."
    )


MAX_KEYPAD_SEQ = 2**31 - 1  # the keypad firmware reads it as a 32-bit signed integer


class KeypadCommand(Message):
    id: str
    keys: str = Field(min_length=1, max_length=64)
    press_ms: int = Field(default=65, ge=10, le=2000)
    gap_ms: int = Field(default=500, ge=10, le=5000)
    seq: int | None = Field(
        default=None,
        ge=0,
        le=MAX_KEYPAD_SEQ,
        description="Rises with every token attempt; the keypad refuses a command whose seq "
        "is not above the last one it took (stale: it waited out an outage). None: no check.",
    )


class KeypadAck(Message):
    id: str
    state: Literal["accepted", "pressing", "done", "error"]
    pressed: int = 0
    error: str | None = None


# A sound board sends at most one alarm per this by default (the firmware's
# MH_SOUND_COOLDOWN_S, the simulator's sound.cooldown_s); Home Assistant's Beeping shows one
# that long.
ALARM_COOLDOWN_S = 900


class Alarm(Message):
    """The prepaid meter's own low-credit beeping, heard by a sound board (QoS 1, not
    retained: a moment, not a state; at most one per the board's cooldown)."""

    kind: Literal["beep"] = Field(description="What was heard; only the low-credit beep.")
    ts: UtcTimestamp = Field(description="When it was heard, not when it was sent.")


class DeviceProblem(Message):
    """Whether a device's readings are being refused (retained; HA's Problem sensor)."""

    problem: bool = Field(description="True once enough readings in a row were rejected.")
    rejected_in_a_row: int = Field(ge=0, description="Rejections since the last accepted reading.")
    reason: str = Field(default="", description="Reason of the latest rejection.")
    ts: UtcTimestamp = Field(default_factory=utc_now, description="When this was decided.")


class DeviceState(Message):
    """The newest accepted values of a device (``<dev>/state``, retained, from storage):
    flat ``{"ts", "<quantity>": value, …}``, with the forecast (``DERIVED`` quantities:
    days left and its uncertainty) for a prepaid balance and the costs of a priced meter."""

    model_config = ConfigDict(extra="allow", frozen=True)

    ts: UtcTimestamp
    days_left: float | None = Field(
        default=None, description="Balance / its fall rate over the last 7 days."
    )
    days_left_uncertainty: float | None = Field(
        default=None, description="One standard error of days_left, in days."
    )
    # A meter with prices: what it cost, in its currency (services/database/costs.py).
    cost_today: float | None = Field(default=None, description="Energy cost of today so far.")
    cost_this_month: float | None = Field(default=None, description="Cost of this month so far.")
    cost_last_month: float | None = Field(default=None, description="Cost of last month.")

    @model_validator(mode="after")
    def _known_finite_quantities(self) -> Self:
        values = self.model_extra or {}
        unknown = sorted(set(values) - QUANTITIES.keys())
        if unknown:
            raise ValueError(f"unknown quantities {unknown}")
        bad = sorted(k for k, v in values.items() if not _finite_number(v))
        if bad:
            raise ValueError(f"values that are not finite numbers for {bad}")
        return self


def _finite_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
