"""InfluxDB 1.x and VictoriaMetrics as child processes on free loopback ports.

Each keeps its data directory across ``stop()``/``start()``, so a test can take a sink
down and bring it back. Ready means the server answers its health endpoint.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from services.tools.broker_process import free_port

READY_TIMEOUT_S = 30.0


class ServerError(RuntimeError):
    pass


def _executable(name: str, package: str) -> str:
    found = shutil.which(name) or f"/usr/bin/{name}"
    if not Path(found).exists():
        raise ServerError(f"{name} is not installed (Debian: apt-get install {package})")
    return found


@dataclass
class _ChildServer:
    data_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        raise NotImplementedError

    def ready(self) -> bool:
        raise NotImplementedError

    def start(self) -> _ChildServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = (self.data_dir / "server.log").open("ab")
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + READY_TIMEOUT_S
        delay = 0.02
        while not self._answers():
            if self.process.poll() is not None:
                raise ServerError(f"{self.command()[0]} exited with {self.process.returncode}")
            if time.monotonic() > deadline:
                self.stop()
                raise ServerError(f"{self.command()[0]} not ready after {READY_TIMEOUT_S}s")
            time.sleep(delay)  # polling a server that offers no readiness event
            delay = min(delay * 2, 0.2)
        return self

    def _answers(self) -> bool:
        try:
            return self.ready()
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@dataclass
class InfluxdProcess(_ChildServer):
    """InfluxDB 1.x (Debian package ``influxdb``)."""

    rpc_port: int = field(default_factory=free_port)

    def command(self) -> list[str]:
        config = self.data_dir / "influxdb.conf"
        config.write_text(
            "reporting-disabled = true\n"
            f'bind-address = "127.0.0.1:{self.rpc_port}"\n'
            f'[meta]\n  dir = "{self.data_dir}/meta"\n'
            f'[data]\n  dir = "{self.data_dir}/data"\n  wal-dir = "{self.data_dir}/wal"\n'
            "  query-log-enabled = false\n"
            f'[http]\n  bind-address = "127.0.0.1:{self.port}"\n  log-enabled = false\n'
            "[monitor]\n  store-enabled = false\n"
        )
        return [_executable("influxd", "influxdb"), "-config", str(config)]

    def ready(self) -> bool:
        return httpx.get(f"{self.url}/ping", timeout=1).status_code == 204

    def query(self, database: str, influxql: str) -> list[dict[str, Any]]:
        """Series of the first statement's result (``[]`` when there is none)."""
        response = httpx.get(
            f"{self.url}/query",
            params={"db": database, "q": influxql, "epoch": "ns"},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()["results"][0].get("series", [])

    def write(self, database: str, lines: str) -> httpx.Response:
        return httpx.post(
            f"{self.url}/write", params={"db": database, "precision": "ns"}, content=lines
        )

    def create_database(self, database: str) -> None:
        httpx.post(
            f"{self.url}/query", params={"q": f'CREATE DATABASE "{database}"'}
        ).raise_for_status()


@dataclass
class VictoriaMetricsProcess(_ChildServer):
    """VictoriaMetrics (Debian package ``victoria-metrics``); takes InfluxDB v2 writes."""

    extra_args: tuple[str, ...] = ()

    def command(self) -> list[str]:
        return [
            _executable("victoria-metrics", "victoria-metrics"),
            f"-httpListenAddr=127.0.0.1:{self.port}",
            f"-storageDataPath={self.data_dir}",
            "-retentionPeriod=1",
            "-loggerLevel=ERROR",
            *self.extra_args,
        ]

    def ready(self) -> bool:
        return httpx.get(f"{self.url}/health", timeout=1).status_code == 200

    def export(self, name_regex: str = "meter_reading.*") -> list[dict[str, Any]]:
        """Every stored sample of the matching series, as ``/api/v1/export`` lines."""
        # Makes just-written samples searchable now instead of within a second or two.
        httpx.get(f"{self.url}/internal/force_flush", timeout=10).raise_for_status()
        response = httpx.post(
            f"{self.url}/api/v1/export",
            data={"match[]": f'{{__name__=~"{name_regex}"}}'},
            timeout=30,
        )
        response.raise_for_status()
        return [json.loads(line) for line in response.text.splitlines() if line]
