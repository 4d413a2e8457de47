from typing import Literal

from pydantic import Field

from ..messages import ALARM_COOLDOWN_S
from .base import Section
from .token_entry import KeypadLayout


class FrameEffects(Section):
    blur: float = Field(default=0.0, ge=0, le=5, description="Gaussian blur sigma in pixels.")
    noise: float = Field(default=0.0, ge=0, le=60, description="Sensor noise, grey levels.")
    perspective: float = Field(default=0.0, ge=0, le=0.2, description="Keystone skew, fraction.")
    glare: float = Field(default=0.0, ge=0, le=1, description="Strength of a specular spot.")


class SimulatedKeypad(Section):
    enabled: bool = Field(default=True, description="The meter has a keypad presser.")
    layout: KeypadLayout = Field(
        default_factory=KeypadLayout, description="Key symbols its solenoids answer to."
    )
    time_scale: float = Field(
        default=1.0, gt=0, description="Commanded press and gap times are divided by this."
    )
    fail_after_keys: int | None = Field(
        default=None, ge=0, description="Answer `error` (a jammed solenoid) after this many keys."
    )
    silent_after_keys: int | None = Field(
        default=None, ge=0, description="Stop answering after this many keys (0: not at all)."
    )
    acks_lost_after_keys: int | None = Field(
        default=None,
        ge=0,
        description="Type every key, but lose the acks from this many keys on (0: all), as "
        "a connection that drops them would.",
    )


class SimulatedSound(Section):
    """The sound sensor in front of a prepaid meter, as the camera or keypad board has it."""

    enabled: bool = Field(default=True, description="A sound sensor listens to the meter.")
    low_credit_kwh: float = Field(
        default=5.0, ge=0, description="The meter beeps while its balance is below this."
    )
    cooldown_s: float = Field(
        default=float(ALARM_COOLDOWN_S),
        ge=0,
        description="At most one alarm per this (the firmware's default).",
    )
    listen_interval_s: float = Field(
        default=5.0, gt=0, description="Real seconds between two looks at the meter."
    )


class SimulatedPrepaidMeter(Section):
    type: Literal["prepaid_camera"] = "prepaid_camera"
    balance_kwh: float = Field(default=127.0, ge=0, description="Balance at start.")
    load_w: float = Field(default=450.0, ge=0, description="Mean household load.")
    frame_interval_s: float = Field(default=10.0, gt=0, description="Seconds between photos.")
    time_scale: float = Field(
        default=1.0, gt=0, description="Simulated seconds per real second (speeds up use)."
    )
    effects: FrameEffects = Field(default_factory=FrameEffects, description="Image degradations.")
    cycling: bool = Field(
        default=False,
        description="The LCD shows its registers in turn, one per photo: the date "
        "(DD.MM.YY), the kWh balance, the tariff code (900 VA).",
    )
    keypad: SimulatedKeypad = Field(
        default_factory=SimulatedKeypad, description="Solenoids on the meter's keypad."
    )
    sound: SimulatedSound = Field(
        default_factory=SimulatedSound, description="Sound sensor hearing its low-credit beep."
    )


class SimulatedP1Meter(Section):
    type: Literal["p1"] = "p1"
    interval_s: float = Field(default=1.0, gt=0, description="Seconds between telegrams.")
    load_w: float = Field(default=900.0, ge=0, description="Mean household import power.")
    solar_w: float = Field(default=0.0, ge=0, description="Peak solar export power.")


class SimulatedDlt645Meter(Section):
    type: Literal["dlt645"] = "dlt645"
    link: str = Field(
        description="Path of a link the simulator makes to its pseudo-terminal; the "
        "device's serial.port points here."
    )
    address: str = Field(
        default="000012345678", pattern=r"^[0-9]{12}$", description="Meter address (12 digits)."
    )
    edition: Literal["1997", "2007"] = Field(default="1997", description="DL/T 645 edition.")
    load_w: float = Field(default=600.0, ge=0, description="Mean household load.")
    time_scale: float = Field(
        default=1.0, gt=0, description="Simulated seconds per real second (speeds up use)."
    )


class SimulatedDrumMeter(Section):
    """A Ferraris meter's drum counter photographed by a camera; the device's ``ocr``
    section says how many drums (digits) it has and how many turn after the point."""

    type: Literal["drum_camera"] = "drum_camera"
    reading_kwh: float = Field(default=12345.6, ge=0, description="Register at start.")
    load_w: float = Field(default=600.0, ge=0, description="Mean household load.")
    frame_interval_s: float = Field(default=60.0, gt=0, description="Seconds between photos.")
    time_scale: float = Field(
        default=1.0, gt=0, description="Simulated seconds per real second (speeds up use)."
    )
    shift_px: float = Field(
        default=3.0, ge=0, le=40, description="How far the camera wobbles between photos."
    )
    effects: FrameEffects = Field(default_factory=FrameEffects, description="Image degradations.")


class SimulatorConfig(Section):
    enabled: bool = Field(default=False, description="Run the simulated devices.")
    meters: dict[
        str,
        SimulatedPrepaidMeter | SimulatedP1Meter | SimulatedDlt645Meter | SimulatedDrumMeter,
    ] = Field(default_factory=dict, description="Simulated meter per device id.")
