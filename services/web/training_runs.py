"""`ocr train --device` started from the meter page: one subprocess per meter, its output
read line by line on the event loop (never blocking it) into a status the page polls.

Training is a tool (PyTorch, the `train` extra) that the web service may not import; a
subprocess also keeps its minutes of CPU off the service's event loop and memory.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections import deque
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from ..core.messages import utc_now

Command = Callable[[str, Path, str], list[str]]  # device, data dir, display → argv
_EPOCH = re.compile(r"network (\d+)/(\d+): epoch (\d+)/(\d+)")
_KEPT_LINES = 40
# Exit status of `ocr train --device` → the run's outcome.
OUTCOMES: dict[int, Literal["switched", "kept"]] = {0: "switched", 1: "kept"}


def train_command(device: str, data_dir: Path, display: str) -> list[str]:
    return [sys.executable, "-m", "services.cli", "ocr", "train", "--device", device,
            "--data-dir", str(data_dir), "--display", display]  # fmt: skip


class TrainingStatus(BaseModel):
    """What the meter page's progress bar shows."""

    state: Literal["idle", "running", "switched", "kept", "failed"] = Field(
        default="idle",
        description="`switched`: the new model is active; `kept`: it was worse, the old stays.",
    )
    progress: float = Field(default=0.0, description="0–1, from the epochs done.")
    message: str = Field(default="", description="The last line training printed.")
    lines: list[str] = Field(default_factory=list, description="Its last lines.")
    started: datetime | None = Field(default=None, description="When this run began (UTC).")
    finished: datetime | None = Field(default=None, description="When it ended (UTC).")


class TrainingRuns:
    def __init__(self, data_dir: Path, command: Command = train_command) -> None:
        self.data_dir = data_dir
        self.command = command
        self._status: dict[str, TrainingStatus] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def status(self, device: str) -> TrainingStatus:
        return self._status.get(device, TrainingStatus())

    def running(self, device: str) -> bool:
        return self.status(device).state == "running"

    def start(self, device: str, display: str) -> TrainingStatus:
        status = TrainingStatus(state="running", started=utc_now(), message="starting")
        self._status[device] = status
        self._tasks[device] = asyncio.create_task(
            self._run(device, display, status), name=f"train:{device}"
        )
        return status

    async def _run(self, device: str, display: str, status: TrainingStatus) -> None:
        lines: deque[str] = deque(maxlen=_KEPT_LINES)
        process: asyncio.subprocess.Process | None = None
        try:
            process = await asyncio.create_subprocess_exec(
                *self.command(device, self.data_dir, display),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            assert process.stdout is not None
            async for raw in process.stdout:
                line = raw.decode(errors="replace").rstrip()
                lines.append(line)
                status.message, status.lines = line, list(lines)
                if match := _EPOCH.search(line):
                    net, nets, epoch, epochs = (int(g) for g in match.groups())
                    status.progress = ((net - 1) * epochs + epoch) / (nets * epochs)
            code = await process.wait()
            status.state = OUTCOMES.get(code, "failed")
        except OSError as error:
            status.state, status.message = "failed", f"training did not start: {error}"
        finally:
            if process is not None and process.returncode is None:  # the service stops
                process.kill()
                await asyncio.shield(process.wait())
            if status.state == "running":
                status.state = "failed"
            status.finished = utc_now()
            if status.state != "failed":
                status.progress = 1.0

    async def wait(self, device: str) -> TrainingStatus:
        """The run's end (tests, and anything that must not poll)."""
        if device in self._tasks:
            await asyncio.shield(self._tasks[device])
        return self.status(device)

    async def stop(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
