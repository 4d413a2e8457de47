"""The bus contract as one table: every device channel, its payload and who uses it.

Each row says what travels on ``<prefix>/<device>/<suffix>``: the payload model (``None``
for bytes a model cannot hold: JPEG frames, P1 telegram text, ``online``/``offline``),
QoS and retain, which services publish and subscribe to it, whether devices may write or
read it, and which subscriber (the judge) answers a payload its model refuses on
``rejected``. Topic shapes (``topics.py``), the broker ACL (``broker/acl.py``, hence
``mosquitto/acl``), the typed bus calls (``Bus.send``/``Bus.on``) and the ARCHITECTURE.md
table are derived from or checked against this table, so a channel is added by one row.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .messages import (
    Alarm,
    CapacityState,
    CaptureRequest,
    Correction,
    DeviceProblem,
    DeviceState,
    KeypadAck,
    KeypadCommand,
    Message,
    OcrResult,
    OcrRois,
    Reading,
    Rejected,
    TokenSet,
    TokenState,
)

COMMAND_PREFIX = "cmd/"  # device commands; a device reads all of them as cmd/#
DEVICE = "device"  # in publishers/subscribers: the meter or bridge itself
HOME_ASSISTANT = "homeassistant"


class Channel(StrEnum):
    AVAILABILITY = "availability"
    FRAME = "frame"
    FRAME_RAW = "frame_raw"
    TELEGRAM = "telegram"
    READING = "reading"
    STATE = "state"
    REJECTED = "rejected"
    OCR = "ocr"
    OCR_ROIS = "ocr_rois"
    CAPTURE = "capture"
    TOKEN_SET = "token_set"
    TOKEN_STATE = "token_state"
    KEYPAD_CMD = "keypad_cmd"
    KEYPAD_ACK = "keypad_ack"
    ALARM = "alarm"
    CAPACITY = "capacity"
    PROBLEM = "problem"
    CORRECTION = "correction"


@dataclass(frozen=True)
class ChannelSpec:
    suffix: str
    payload: type[Message] | None
    qos: int
    retain: bool
    publishers: frozenset[str]
    subscribers: frozenset[str]
    # The service that answers a payload failing ``payload`` on ``<dev>/rejected`` (one,
    # so a bad message is refused once); other subscribers log and count it. "": nobody.
    judge: str = ""

    @property
    def is_command(self) -> bool:
        return self.suffix.startswith(COMMAND_PREFIX)


def _row(
    suffix: str,
    payload: type[Message] | None,
    qos: int,
    retain: bool,
    publishers: str,
    subscribers: str,
    judge: str = "",
) -> ChannelSpec:
    return ChannelSpec(
        suffix,
        payload,
        qos,
        retain,
        frozenset(publishers.split()),
        frozenset(subscribers.split()),
        judge,
    )


# publishers / subscribers: service names of services/registry.py, DEVICE, HOME_ASSISTANT.
# The web page and token_entry read every Meterhub topic besides (broker/acl.py).
CHANNELS: dict[Channel, ChannelSpec] = {
    Channel.AVAILABILITY: _row(
        "availability", None, 1, True,
        "device capture_gateway simulator", "notifier discovery",
    ),
    Channel.FRAME: _row(
        "frame", None, 1, False, "capture_gateway simulator", "ocr_worker web"
    ),
    Channel.FRAME_RAW: _row("frame/raw", None, 1, False, "device", "capture_gateway"),
    Channel.TELEGRAM: _row("telegram", None, 1, False, "device simulator", "capture_gateway"),
    Channel.READING: _row(
        "reading", Reading, 1, False,
        "device ocr_worker capture_gateway simulator",
        "storage notifier token_entry ocr_worker", judge="storage",
    ),
    Channel.STATE: _row(
        "state", DeviceState, 1, True, "storage", "ocr_worker notifier discovery web"
    ),
    Channel.REJECTED: _row(
        "rejected", Rejected, 1, False,
        "ocr_worker capture_gateway storage token_entry", "storage notifier discovery",
    ),
    Channel.OCR: _row("ocr", OcrResult, 0, False, "ocr_worker", "web"),
    Channel.OCR_ROIS: _row("ocr/rois", OcrRois, 1, True, "web", "ocr_worker", judge="ocr_worker"),
    Channel.CAPTURE: _row(
        "cmd/capture", CaptureRequest, 1, False,
        "web token_entry notifier storage capture_gateway homeassistant",
        "device capture_gateway simulator", judge="capture_gateway",
    ),
    Channel.TOKEN_SET: _row(
        "token/set", TokenSet, 1, False, "web notifier homeassistant", "token_entry",
        judge="token_entry",
    ),
    Channel.TOKEN_STATE: _row(
        "token/state", TokenState, 1, True, "token_entry", "notifier web"
    ),
    Channel.KEYPAD_CMD: _row(
        "keypad/cmd", KeypadCommand, 1, False, "token_entry", "device simulator"
    ),
    Channel.KEYPAD_ACK: _row(
        "keypad/ack", KeypadAck, 1, False, "device simulator", "token_entry",
        judge="token_entry",
    ),
    Channel.ALARM: _row("alarm", Alarm, 1, False, "device simulator", "notifier"),
    Channel.CAPACITY: _row(
        "capacity", CapacityState, 0, True, "capture_gateway", "notifier web"
    ),
    Channel.PROBLEM: _row("problem", DeviceProblem, 1, True, "discovery", "discovery"),
    Channel.CORRECTION: _row(
        "correction", Correction, 1, False, "web notifier", "storage ocr_worker",
        judge="storage",
    ),
}  # fmt: skip


def published_by(name: str) -> tuple[Channel, ...]:
    return tuple(c for c, spec in CHANNELS.items() if name in spec.publishers)


def subscribed_by(name: str) -> tuple[Channel, ...]:
    return tuple(c for c, spec in CHANNELS.items() if name in spec.subscribers)
