"""Fixtures that start real servers on free loopback ports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.core.config import MeterhubConfig
from services.tools.broker_process import MosquittoProcess


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoProcess]:
    with MosquittoProcess(data_dir=tmp_path / "mosquitto") as process:
        yield process


def make_config(broker: MosquittoProcess, data_dir: Path, **sections: Any) -> MeterhubConfig:
    """A config pointing at the test broker, with fast reconnects and no web port clash."""
    base: dict[str, Any] = {
        "mqtt": {
            "host": broker.host,
            "port": broker.port,
            "reconnect_initial_s": 0.05,
            "reconnect_max_s": 0.5,
        },
        "storage": {"data_dir": str(data_dir)},
        "web": {"enabled": False, "port": 0},
        "devices": {"m1": {"kind": "p1"}},
    }
    base.update(sections)
    return MeterhubConfig.model_validate(base)
