from pathlib import Path

from pydantic import Field

from .base import Section


class StorageConfig(Section):
    data_dir: Path = Field(default=Path("data"), description="Where SQLite and images live.")
    sqlite_file: str = Field(default="meterhub.sqlite3", description="SQLite file in data_dir.")
    batch_size: int = Field(default=200, ge=1, le=10_000, description="Readings per transaction.")

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / self.sqlite_file
