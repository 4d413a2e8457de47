"""The Telegram bot (notifier service): who may use it, when it checks, what it warns about."""

import re
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator, model_validator

from ..messages import MAX_BURST
from .base import Section, TimeZoneName
from .web import is_loopback

Language = Literal["id", "en", "nl", "de"]
CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts


class LowBalanceAlert(Section):
    enabled: bool = Field(default=True, description="Warn when prepaid credit runs low.")
    threshold_kwh: float = Field(
        default=20.0, ge=0, description="Warn when the balance is at or below this many kWh."
    )
    days_left: float = Field(
        default=3.0,
        ge=0,
        description="Also warn when the balance lasts fewer days than this at the recent "
        "daily use (0: only the kWh threshold).",
    )


class OfflineAlert(Section):
    enabled: bool = Field(default=True, description="Warn when a meter stops reporting.")
    after_min: float = Field(
        default=30.0, gt=0, description="Minutes without any reading or rejection from a device."
    )


class RejectsAlert(Section):
    enabled: bool = Field(default=True, description="Warn when the camera image is unreadable.")
    in_a_row: int = Field(
        default=3, ge=1, description="Rejected readings in a row, with no accepted one between."
    )


class CapacityAlert(Section):
    enabled: bool = Field(
        default=True, description="Warn when this quarter-hour is heading over the month's peak."
    )
    min_peak_w: float = Field(
        default=2500.0,
        ge=0,
        description="Ignore peaks below this demand: Fluvius bills at least 2.5 kW anyway.",
    )


class BeepAlert(Section):
    enabled: bool = Field(
        default=True, description="Pass on the meter's own low-credit beeping (alarm topic)."
    )
    cooldown_s: float = Field(default=60.0, ge=0, description="At most one beep message per this.")


class JumpAlert(Section):
    enabled: bool = Field(
        default=True,
        description="Tell when frames that agree with each other replaced a stored value "
        "they contradicted (a reading jumped: the old value was wrong, or the new one is).",
    )


class AlertsConfig(Section):
    low_balance: LowBalanceAlert = Field(
        default_factory=LowBalanceAlert, description="Low prepaid balance."
    )
    offline: OfflineAlert = Field(default_factory=OfflineAlert, description="Device silent.")
    ocr_rejects: RejectsAlert = Field(default_factory=RejectsAlert, description="OCR failures.")
    capacity: CapacityAlert = Field(
        default_factory=CapacityAlert, description="Capacity tariff quarter-hour peak."
    )
    beep: BeepAlert = Field(default_factory=BeepAlert, description="Meter beeping.")
    reading_jumped: JumpAlert = Field(
        default_factory=JumpAlert, description="A stored value replaced (no lock-out)."
    )
    min_interval_s: float = Field(
        default=3600.0,
        ge=0,
        description="An alert of one kind for one device is sent at most once per this, "
        "even if its condition clears and comes back in between.",
    )


class WebhookConfig(Section):
    url: str = Field(description="Public HTTPS address Telegram posts updates to.")
    listen: str = Field(
        default="127.0.0.1",
        description="Address the webhook listener binds: loopback for a reverse proxy on this "
        "machine; any other address needs secret_token.",
    )
    port: int = Field(default=8443, ge=1, le=65535, description="Port of the webhook listener.")
    path: str = Field(default="telegram", description="URL path the listener answers on.")
    secret_token: SecretStr | None = Field(
        default=None,
        description="Checked on every update Telegram posts (required unless listen is "
        "loopback); use {ENV_NAME}.",
    )

    @model_validator(mode="after")
    def _secret_off_loopback(self) -> "WebhookConfig":
        """Without the secret anyone who reaches the listener could post updates as a chat."""
        if self.secret_token is None and not is_loopback(self.listen):
            raise ValueError(
                f"secret_token is required: listen {self.listen} is reachable from the network, "
                "and without it anyone could post updates as an allowed chat"
            )
        return self


class TelegramConfig(Section):
    enabled: bool = Field(
        default=True, description="Run the bot when a bot token is configured (else it idles)."
    )
    bot_token: SecretStr | None = Field(
        default=None,
        description="Token from @BotFather; use {ENV_NAME}, or leave unset and set the "
        "variable named by bot_token_env.",
    )
    bot_token_env: str = Field(
        default="TELEGRAM_BOT_TOKEN",
        description="Environment variable read for the token when bot_token is unset; "
        "neither set: the notifier logs one line and idles.",
    )
    allowed_chat_ids: list[int] = Field(
        default_factory=list,
        description="Chats the bot serves (user or group ids); anyone else gets one refusal.",
    )
    allowed_chat_ids_env: str = Field(
        default="TELEGRAM_CHAT_IDS",
        description="Environment variable with more allowed chat ids, comma-separated.",
    )
    language: Language = Field(
        default="id",
        description="Language of a new chat: id (Indonesian), en (English), nl (Dutch) or de "
        "(German); each chat may change its own with /language.",
    )
    timezone: TimeZoneName = Field(
        default="Asia/Jakarta", description="Time zone of schedules and times shown (IANA name)."
    )
    default_schedule: list[str] = Field(
        default_factory=lambda: ["12:00"],
        description="Daily automatic checks (HH:MM) a chat starts with; /schedule changes them.",
    )
    capture_timeout_s: float = Field(
        default=30.0, gt=0, le=600, description="How long /cektoken waits for the camera."
    )
    cektoken_burst: int = Field(
        default=3,
        ge=1,
        le=MAX_BURST,
        description="Photos /cektoken asks for, a second apart: a display cycling through "
        "registers shows the balance in one of them (at least the device's "
        "ocr.confirm_frames, at most 10). The first reading answers.",
    )
    token_timeout_s: float = Field(
        default=120.0,
        gt=0,
        description="How long a confirmed token waits for the keypad's first state.",
    )
    api_base_url: str = Field(
        default="https://api.telegram.org/bot",
        description="Bot API address (the token is appended); change for a local Bot API server.",
    )
    api_file_url: str = Field(
        default="https://api.telegram.org/file/bot", description="Bot API file address."
    )
    poll_timeout_s: int = Field(
        default=30, ge=0, le=50, description="Long-polling wait per getUpdates call."
    )
    webhook: WebhookConfig | None = Field(
        default=None, description="Receive updates by webhook instead of long polling."
    )
    alerts: AlertsConfig = Field(default_factory=AlertsConfig, description="What to warn about.")

    @field_validator("default_schedule")
    @classmethod
    def _clock_times(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not CLOCK_TIME.match(v)]
        if bad:
            raise ValueError(f"times must be HH:MM (24 h): {bad}")
        return sorted(set(value))

    @model_validator(mode="after")
    def _webhook_secret_shape(self) -> "TelegramConfig":
        secret = self.webhook.secret_token if self.webhook else None
        if secret is not None and not re.match(
            r"^[A-Za-z0-9_-]{1,256}$", secret.get_secret_value()
        ):
            raise ValueError("webhook.secret_token: 1-256 characters of A-Z a-z 0-9 _ -")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
