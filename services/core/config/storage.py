"""Storage section: SQLite (always on), retention, time zone, and the optional sinks.

Each sink is a sub-section; leaving it out (``null``) turns that sink off. Every sink
is fed from its own queue in SQLite, so the retry and cap settings live with it.
"""

from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, model_validator

from ..quantities import TOKEN_BALANCE, QuantityKey
from ..topics import DEVICE_ID_PATTERN
from .base import Section, TimeZoneName


class SinkQueueConfig(Section):
    """How a sink's queue behaves while the sink is down or slow."""

    batch_size: int = Field(
        default=5000, ge=1, le=100_000, description="Readings sent to the sink per request."
    )
    timeout_s: float = Field(default=10.0, gt=0, le=300, description="Per-request timeout.")
    retry_initial_s: float = Field(
        default=1.0, gt=0, description="First wait after a failed write; doubles each time."
    )
    retry_max_s: float = Field(default=60.0, gt=0, description="Cap of the retry backoff.")
    max_queue_mb: float = Field(
        default=200.0,
        gt=0,
        description="Disk the sink's waiting readings may take; past it the oldest are "
        "dropped and counted (sink status `dropped`).",
    )

    @model_validator(mode="after")
    def _backoff_order(self) -> "SinkQueueConfig":
        if self.retry_max_s < self.retry_initial_s:
            raise ValueError("retry_max_s must not be below retry_initial_s")
        return self


class InfluxV2Config(SinkQueueConfig):
    url: str = Field(
        description="InfluxDB 2 (or VictoriaMetrics) base URL, e.g. http://influxdb:8086."
    )
    org: str = Field(description="Organisation name.")
    bucket: str = Field(description="Bucket the readings go to.")
    token: SecretStr = Field(description="API token with write access; use {ENV_NAME}.")


class InfluxV1Config(SinkQueueConfig):
    url: str = Field(description="InfluxDB 1.x base URL, e.g. http://a0d7b954-influxdb:8086.")
    database: str = Field(description="Database the readings go to.")
    username: str | None = Field(default=None, description="User, when auth is enabled.")
    password: SecretStr | None = Field(default=None, description="Password; use {ENV_NAME}.")
    retention_policy: str | None = Field(
        default=None, description="Retention policy to write into (default: the database's)."
    )
    create_database: bool = Field(
        default=True,
        description="Send CREATE DATABASE when the server says the database does not exist.",
    )


class FirebaseLegacyConfig(Section):
    """The prepaid setup's original layout, for Firebase consumers that already read it."""

    device: str = Field(pattern=DEVICE_ID_PATTERN, description="Prepaid meter whose balance.")
    quantity: QuantityKey = Field(default=TOKEN_BALANCE, description="Quantity written as angka.")
    root: str = Field(
        default="ncr_token",
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Top node: <root>/terakhir, <root>/terakhir_cek, <root>/riwayat and "
        "<root>/trigger_otomatis.",
    )
    poll_s: float = Field(
        default=10.0,
        ge=0.05,
        le=3600,
        description="How often <root>/trigger_otomatis is read (the sketch's own pace, 10 s) "
        "and /jadwal brought in line with the bot's schedules.",
    )


class FirebaseConfig(SinkQueueConfig):
    batch_size: int = Field(
        default=500, ge=1, le=10_000, description="Readings per multi-path update request."
    )
    database_url: str = Field(
        description="Realtime Database URL, https://<project>-default-rtdb.<region>"
        ".firebasedatabase.app (an http://host:port?ns=<name> URL means an emulator)."
    )
    credentials_file: Path | None = Field(
        default=None,
        description="Service-account JSON; without it, Google application default credentials.",
    )
    meters: bool = Field(
        default=True, description="Write /meters/<dev>/latest and /meters/<dev>/history."
    )
    legacy: FirebaseLegacyConfig | None = Field(
        default=None,
        description="Also write <root>/terakhir = {angka} and push to <root>/riwayat.",
    )

    @model_validator(mode="after")
    def _writes_something(self) -> "FirebaseConfig":
        if not self.meters and self.legacy is None:
            raise ValueError("firebase writes nothing: enable meters or legacy")
        return self


class StorageConfig(Section):
    data_dir: Path = Field(default=Path("data"), description="Where SQLite and images live.")
    sqlite_file: str = Field(default="meterhub.sqlite3", description="SQLite file in data_dir.")
    batch_size: int = Field(
        default=1000,
        ge=1,
        le=10_000,
        description="Most readings committed in one SQLite transaction (readings already "
        "received are batched; none waits for a batch to fill).",
    )
    shared_subscription: bool = Field(
        default=False,
        description="Join the $share/storage group, so several storage workers split the "
        "readings. Mosquitto 2.0 does not restore shared subscriptions after its own restart: "
        "readings published before the workers subscribe again are lost, so keep this off "
        "with Mosquitto and one worker (a plain subscription of a persistent session is kept).",
    )
    timezone: TimeZoneName = Field(
        default="UTC",
        description="IANA zone (e.g. Europe/Brussels, Asia/Jakarta) whose midnights and month "
        "starts bound the day/month roll-ups and consumption.",
    )
    raw_retention_days: float | None = Field(
        default=30,
        gt=0,
        description="Keep raw readings this long (roll-ups are kept); null keeps them forever.",
    )
    minute_retention_days: float | None = Field(
        default=400,
        gt=0,
        description="Keep per-minute roll-ups this long (quarter, hour, day, month are kept); "
        "null keeps them forever.",
    )
    influxdb: InfluxV2Config | None = Field(
        default=None, description="InfluxDB 2 sink (also VictoriaMetrics); null = off."
    )
    influxdb_v1: InfluxV1Config | None = Field(
        default=None, description="InfluxDB 1.x sink (line protocol /write); null = off."
    )
    firebase: FirebaseConfig | None = Field(
        default=None, description="Firebase Realtime Database sink; null = off."
    )

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / self.sqlite_file

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def sinks(self) -> dict[str, Section]:
        """Configured sinks by name (the names are the section keys)."""
        configured = {
            "influxdb": self.influxdb,
            "influxdb_v1": self.influxdb_v1,
            "firebase": self.firebase,
        }
        return {name: section for name, section in configured.items() if section is not None}
