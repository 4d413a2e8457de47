"""Mosquitto as a child process: for `meterhub demo` and the test fixtures.

Ready means a client can connect, not that some time has passed.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..broker.conf import DELIVERY_SETTINGS


class BrokerError(RuntimeError):
    pass


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_for_port(
    host: str, port: int, timeout_s: float, process: subprocess.Popen | None = None
) -> None:
    """Poll a TCP connect until it succeeds; fail early if the process died."""
    deadline = time.monotonic() + timeout_s
    delay = 0.01
    while True:
        if process is not None and process.poll() is not None:
            raise BrokerError(
                f"process exited with code {process.returncode} before listening on {port}"
            )
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise BrokerError(
                    f"nothing listening on {host}:{port} after {timeout_s}s"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


@dataclass
class MosquittoProcess:
    """A broker on a loopback port with persistence in ``data_dir``."""

    port: int = field(default_factory=free_port)
    data_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="mosquitto-")))
    host: str = "127.0.0.1"
    extra_config: str = ""
    process: subprocess.Popen | None = None

    @property
    def config_file(self) -> Path:
        return self.data_dir / "mosquitto.conf"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "mosquitto.log"

    def write_config(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # As root mosquitto drops to another user unless told to stay the current one.
        user = pwd.getpwuid(os.getuid()).pw_name
        self.config_file.write_text(
            f"user {user}\n"
            f"listener {self.port} {self.host}\n"
            "allow_anonymous true\n"
            "persistence true\n"
            f"persistence_location {self.data_dir}/\n"
            "autosave_interval 60\n"
            + "".join(f"{line}\n" for line in DELIVERY_SETTINGS)
            + f"log_dest file {self.log_file}\n"
            "log_type error\nlog_type warning\nlog_type notice\n"
            f"{self.extra_config}"
        )

    def start(self, timeout_s: float = 10.0) -> MosquittoProcess:
        executable = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        if not Path(executable).exists():
            raise BrokerError("mosquitto is not installed (Debian: apt-get install mosquitto)")
        self.write_config()
        self.process = subprocess.Popen(
            [executable, "-c", str(self.config_file)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # Ctrl-C reaches the services, which stop before the broker
        )
        try:
            wait_for_port(self.host, self.port, timeout_s, self.process)
        except BrokerError as error:
            stderr = (
                self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
            )
            raise BrokerError(f"mosquitto did not start: {error}\n{stderr}") from None
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        """SIGTERM: mosquitto saves its persistence file on the way out."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and self.process.stderr:
            self.process.stderr.close()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> MosquittoProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
