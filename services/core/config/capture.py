"""Camera capture: where each camera device's frames come from, and what triggers a shot.

Per device (``devices.<id>.capture``): one source, chosen by ``kind``, and its triggers.
The section ``capture`` holds the gateway's HTTP listener and the defaults every camera
shares. Sources and triggers are discriminated unions, so each kind's fields are checked
on their own and a typo names the kind it belongs to.
"""

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator, model_validator

from ..messages import MAX_FRAME_BYTES
from .base import Section, TimeZoneName

# A camera's frame is a fraction of the bus's cap; the default leaves room below it for
# a camera set to a larger resolution than needed (an override may go up to the cap).
DEFAULT_MAX_FRAME_BYTES = MAX_FRAME_BYTES // 2
CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MIN_TOKEN_CHARS = 16


def _strong_token(token: SecretStr) -> SecretStr:
    if len(token.get_secret_value()) < MIN_TOKEN_CHARS:
        raise ValueError(f"a device token needs at least {MIN_TOKEN_CHARS} characters")
    return token


# --- sources ----------------------------------------------------------------------


class MqttSource(Section):
    """The camera publishes JPEGs itself on ``<dev>/frame/raw`` and answers ``cmd/capture``.

    Its LED and exposure are the firmware's settings: ``cmd/capture`` carries only the
    request id.
    """

    kind: Literal["mqtt"] = Field(default="mqtt", description="Camera publishes over MQTT.")


class UploadSource(Section):
    """The device POSTs JPEGs to the gateway's ``/api/frames/<dev>``."""

    kind: Literal["upload"] = Field(description="Device uploads over HTTP.")
    token: SecretStr = Field(
        description="Bearer token the device sends (Authorization header); use {ENV_NAME}."
    )

    _token = field_validator("token")(_strong_token)


class SnapshotFlash(Section):
    """The ESP32-CAM's LED for the shot.

    ``control``: the stock CameraWebServer sketch, whose ``/capture`` lights the LED itself
    at the intensity last set with ``/control?var=led_intensity``: the gateway sets it
    before the shot and back to 0 after. ``urls``: firmware with its own LED switch.
    """

    mode: Literal["control", "urls"] = Field(
        default="control", description="How the LED is switched (see above)."
    )
    intensity: int = Field(default=255, ge=1, le=255, description="LED duty for the shot.")
    on_url: AnyHttpUrl | None = Field(default=None, description="GET before the shot (urls).")
    off_url: AnyHttpUrl | None = Field(default=None, description="GET after the shot (urls).")
    settle_s: float = Field(
        default=0.0,
        ge=0,
        le=10,
        description="Wait between LED on and the shot, for auto exposure (the stock sketch "
        "already waits 150 ms itself).",
    )

    @model_validator(mode="after")
    def _urls_given(self) -> "SnapshotFlash":
        if self.mode == "urls" and (self.on_url is None or self.off_url is None):
            raise ValueError("flash mode 'urls' needs on_url and off_url")
        return self


class SnapshotSource(Section):
    """The gateway GETs a JPEG from a URL: the ESP32-CAM's ``/capture``, a Pi's image API."""

    kind: Literal["snapshot"] = Field(description="Gateway polls an HTTP snapshot URL.")
    url: AnyHttpUrl = Field(description="Snapshot address, e.g. http://192.168.1.50/capture.")
    timeout_s: float = Field(default=10.0, gt=0, le=120, description="Per request.")
    username: str | None = Field(default=None, description="HTTP basic auth user, if asked.")
    password: SecretStr | None = Field(default=None, description="Basic auth password; {ENV}.")
    warmup_shots: int = Field(
        default=0,
        ge=0,
        le=10,
        description="Snapshots fetched and dropped before the kept one: an ESP32-CAM with "
        "two frame buffers answers with a frame taken before the request (LED still off).",
    )
    controls: dict[str, int] = Field(
        default_factory=dict,
        description="Camera settings sent once per session to <base>/control?var=<k>&val=<v> "
        "(stock sketch: aec, ae_level, aec_value, agc, gainceiling, framesize, quality, ...); "
        "sent again after any failure, since a rebooted camera forgets them.",
    )
    flash: SnapshotFlash | None = Field(default=None, description="LED for the shot; none: off.")

    @model_validator(mode="after")
    def _password_with_user(self) -> "SnapshotSource":
        if (self.username is None) != (self.password is None):
            raise ValueError("username and password go together")
        return self


CameraProperty = Literal[
    "width",
    "height",
    "auto_exposure",
    "exposure",
    "gain",
    "brightness",
    "contrast",
    "autofocus",
    "focus",
    "fps",
]


class LocalCameraSource(Section):
    """A camera on this machine through OpenCV: a USB or Pi camera, or a video file."""

    kind: Literal["local"] = Field(description="Camera attached to the gateway's machine.")
    device: str = Field(
        default="/dev/video0",
        description="Video device path, a camera index ('0'), or a video file / stream URL.",
    )
    backend: Literal["any", "v4l2", "ffmpeg", "gstreamer"] = Field(
        default="any", description="OpenCV capture backend."
    )
    properties: dict[CameraProperty, float] = Field(
        default_factory=dict,
        description="Capture properties set after opening (e.g. auto_exposure: 1, exposure: "
        "120 on V4L2; meanings are the driver's).",
    )
    warmup_frames: int = Field(
        default=5,
        ge=0,
        le=100,
        description="Frames read and dropped after opening, while exposure and white "
        "balance adapt.",
    )
    settle_s: float = Field(
        default=1.0, ge=0, le=30, description="Wait after opening before the warm-up frames."
    )
    jpeg_quality: int = Field(default=90, ge=30, le=100, description="JPEG quality of frames.")


class DirWatchSource(Section):
    """Images dropped into a directory by another tool (a Pi script, an FTP upload)."""

    kind: Literal["dirwatch"] = Field(description="Gateway watches a directory.")
    path: Path = Field(description="Directory to watch.")
    patterns: list[str] = Field(
        default_factory=lambda: ["*.jpg", "*.jpeg", "*.png", "*.bmp", "*.webp"],
        min_length=1,
        description="File name patterns taken (case-insensitive); PNG, BMP and WebP images "
        "are re-encoded to JPEG.",
    )
    poll_s: float = Field(
        default=2.0,
        gt=0,
        le=3600,
        description="Seconds between scans. A file is taken once its size and time stayed "
        "the same over one scan, so a file still being written is not read half-way.",
    )
    after: Literal["keep", "delete"] = Field(
        default="keep", description="What to do with a file once taken."
    )


CaptureSource = Annotated[
    MqttSource | UploadSource | SnapshotSource | LocalCameraSource | DirWatchSource,
    Field(discriminator="kind"),
]

# --- triggers ---------------------------------------------------------------------


class IntervalTrigger(Section):
    kind: Literal["interval"] = Field(description="A shot every few seconds.")
    every_s: float = Field(
        ge=1,
        le=7 * 24 * 3600,
        description="Period; shots fall on multiples of it since the Unix epoch (every_s: "
        "60 → at each full minute), so they line up with per-minute statistics.",
    )


class DailyTrigger(Section):
    kind: Literal["daily"] = Field(description="Shots at clock times each day.")
    times: list[str] = Field(min_length=1, description="Local times HH:MM (24 h).")
    timezone: TimeZoneName = Field(
        description="IANA zone of the times (e.g. Asia/Jakarta). No default: a time of day "
        "means nothing without one."
    )

    @field_validator("times")
    @classmethod
    def _clock_times(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not CLOCK_TIME.match(v)]
        if bad:
            raise ValueError(f"times must be HH:MM (24 h): {bad}")
        return sorted(set(value))


class AutocaptureTrigger(Section):
    """``GET /autocapture`` on the gateway's listener: an ESP32 with an RTC asks for a shot."""

    kind: Literal["autocapture"] = Field(description="Shot when GET /autocapture is called.")
    token: SecretStr | None = Field(
        default=None,
        description="If set, the caller must send it (?token= or a Bearer header); none: "
        "open, as existing sketches call the bare URL. Use {ENV_NAME}.",
    )


CaptureTrigger = Annotated[
    IntervalTrigger | DailyTrigger | AutocaptureTrigger, Field(discriminator="kind")
]

# Which source kinds the gateway shoots itself (and so answers cmd/capture for), and which
# take triggers at all: an uploading device decides itself when it sends.
GATEWAY_SHOOTS = frozenset({"snapshot", "local", "dirwatch"})
TRIGGERABLE = frozenset({"snapshot", "local", "mqtt"})


class DeviceCapture(Section):
    source: CaptureSource = Field(
        default_factory=MqttSource, description="Where frames come from (by kind)."
    )
    triggers: list[CaptureTrigger] = Field(
        default_factory=list,
        description="When the gateway takes (or, for mqtt cameras, asks for) a shot; "
        "cmd/capture works without one.",
    )
    min_interval_s: float | None = Field(
        default=None, ge=0, description="Per-device override of capture.min_interval_s."
    )
    max_frame_bytes: int | None = Field(
        default=None,
        ge=1024,
        le=MAX_FRAME_BYTES,
        description="Per-device override of capture.max_frame_bytes.",
    )

    @model_validator(mode="after")
    def _triggers_fit_source(self) -> "DeviceCapture":
        if self.triggers and self.source.kind not in TRIGGERABLE:
            raise ValueError(
                f"a {self.source.kind} source delivers frames on its own; triggers apply to "
                f"{', '.join(sorted(TRIGGERABLE))} sources"
            )
        return self


# --- section ----------------------------------------------------------------------


class CaptureHttpConfig(Section):
    enabled: bool | None = Field(
        default=None,
        description="Serve uploads and /autocapture; none: only when a device uploads or "
        "has an autocapture trigger.",
    )
    host: str = Field(
        default="127.0.0.1", description="Address to listen on (0.0.0.0 for cameras on the LAN)."
    )
    port: int = Field(default=8090, ge=0, le=65535, description="Port (0: any free port).")


class RetryConfig(Section):
    initial_s: float = Field(default=1.0, gt=0, description="First wait after a failed shot.")
    max_s: float = Field(
        default=300.0, gt=0, description="Cap of the doubling wait between failed shots."
    )
    give_up_s: float = Field(
        default=120.0,
        gt=0,
        description="A shot still failing this long after it was asked for is abandoned "
        "(an asker gets a rejection with the reason); the next trigger tries again.",
    )


class CaptureConfig(Section):
    http: CaptureHttpConfig = Field(
        default_factory=CaptureHttpConfig, description="The gateway's HTTP listener."
    )
    min_interval_s: float = Field(
        default=1.0,
        ge=0,
        description="At most one frame per device per this many seconds reaches OCR: "
        "unrequested extra frames are dropped, requested ones wait their turn.",
    )
    max_frame_bytes: int = Field(
        default=DEFAULT_MAX_FRAME_BYTES,
        ge=1024,
        le=MAX_FRAME_BYTES,
        description="Larger frames are rejected with the reason.",
    )
    max_waiting_requests: int = Field(
        default=8,
        ge=1,
        le=1000,
        description="Requested shots per device that may wait their turn; more are refused.",
    )
    retry: RetryConfig = Field(default_factory=RetryConfig, description="Failed shots.")
