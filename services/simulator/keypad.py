"""The keypad presser on a simulated PLN meter: solenoids driven by ``keypad/cmd``.

It behaves as the firmware would: ``accepted`` when it takes a command, ``pressing``
after every key, ``done`` after the last, ``error`` when a solenoid jams or the meter
refuses the token on Enter (the meter's own REJECT / USED answer). Each key is held
``press_ms`` and followed by ``gap_ms``, both divided by the keypad's ``time_scale``.
Failure injection (``fail_after_keys``, ``silent_after_keys``) lets tests force an
error answer or none at all.

What was pressed, when, and what the meter answered is kept per device in a small JSON
file under the data directory, so tests and the web page can check it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.config.simulator import SimulatedKeypad
from ..core.messages import KeypadAck, KeypadCommand, utc_now
from ..core.runtime import Bus
from ..core.runtime.logs import kv
from .prepaid import MeterRefused, PrepaidMeterModel

log = logging.getLogger("meterhub.simulator.keypad")
KEEP_COMMANDS = 20


def keypad_log_path(data_dir: Path, device: str) -> Path:
    return data_dir / "simulator" / f"{device}.keypad.json"


def read_keypad_log(data_dir: Path, device: str) -> list[dict[str, Any]]:
    """The latest commands, oldest first: ``{"id", "presses": [...], "outcome", "shown"}``."""
    try:
        return json.loads(keypad_log_path(data_dir, device).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return []


@dataclass
class _Typed:
    command: KeypadCommand
    presses: list[dict[str, str]] = field(default_factory=list)
    outcome: str = ""


class _Stop(Exception):
    """Typing ends here; ``outcome`` says how."""

    def __init__(self, outcome: str, error: str | None = None) -> None:
        super().__init__(outcome)
        self.outcome, self.error = outcome, error


class PrepaidKeypad:
    def __init__(
        self,
        bus: Bus,
        device: str,
        settings: SimulatedKeypad,
        meter: PrepaidMeterModel,
        data_dir: Path,
    ) -> None:
        self.bus, self.device, self.settings, self.meter = bus, device, settings, meter
        self.data_dir = data_dir
        self._commands: asyncio.Queue[KeypadCommand] = asyncio.Queue()
        self._last_seq: int | None = None  # of the last command taken, as the firmware keeps

    async def on_command(self, device: str, command: KeypadCommand) -> None:
        # Typing takes seconds: queue it, so this handler never holds up the bus.
        self._commands.put_nowait(command)

    async def run(self) -> None:
        while True:
            command = await self._commands.get()
            typed = _Typed(command)
            try:
                await self._type(typed)
            finally:
                self._keep(typed)

    async def _type(self, typed: _Typed) -> None:
        command, settings = typed.command, self.settings
        try:
            last = self._last_seq
            if command.seq is not None and last is not None and command.seq <= last:
                stale = f"seq {command.seq}, the keypad already took seq {last}"
                raise _Stop("error", f"seq: stale command ({stale})")
            if command.seq is not None:
                self._last_seq = command.seq
            self._maybe_stop(0)
            await self._ack(command, "accepted", 0)
            for pressed, symbol in enumerate(command.keys, start=1):
                self._maybe_stop(pressed - 1)
                if pressed > 1:
                    await asyncio.sleep(command.gap_ms / 1000 / settings.time_scale)
                key = settings.layout.key_of(symbol)
                if key is None:
                    raise _Stop("error", f"no solenoid for key {symbol!r}")
                await asyncio.sleep(command.press_ms / 1000 / settings.time_scale)
                typed.presses.append({"symbol": symbol, "key": key, "ts": _iso_now()})
                try:
                    self.meter.press(key)
                except MeterRefused as refused:
                    raise _Stop("error", str(refused)) from None
                await self._ack(command, "pressing", pressed)
            typed.outcome = "done"
            await self._ack(command, "done", len(command.keys))
        except _Stop as stop:
            typed.outcome = stop.outcome if stop.error is None else f"error: {stop.error}"
            if stop.error is not None:
                await self._ack(command, "error", len(typed.presses), stop.error)
            log.info("keypad stopped", extra=kv(device=self.device, outcome=typed.outcome))

    def _maybe_stop(self, pressed: int) -> None:
        """Injected failures, checked before each key."""
        if self.settings.silent_after_keys == pressed:
            raise _Stop("silent")
        if self.settings.fail_after_keys == pressed:
            raise _Stop("error", f"solenoid jammed after {pressed} keys")

    async def _ack(
        self, command: KeypadCommand, state: str, pressed: int, error: str | None = None
    ) -> None:
        lost_from = self.settings.acks_lost_after_keys
        if lost_from is not None and pressed >= lost_from:
            return
        ack = KeypadAck.model_validate(
            {"id": command.id, "state": state, "pressed": pressed, "error": error}
        )
        await self.bus.publish(self.bus.topics.device("keypad_ack", self.device), ack.to_payload())

    def _keep(self, typed: _Typed) -> None:
        path = keypad_log_path(self.data_dir, self.device)
        path.parent.mkdir(parents=True, exist_ok=True)
        history = read_keypad_log(self.data_dir, self.device)
        history.append(
            {
                "id": typed.command.id,
                "keys": typed.command.keys,
                "press_ms": typed.command.press_ms,
                "gap_ms": typed.command.gap_ms,
                "presses": typed.presses,
                "outcome": typed.outcome,
                "shown": self.meter.message,
                "balance_kwh": round(self.meter.balance_kwh, 3),
            }
        )
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(history[-KEEP_COMMANDS:]))
        os.replace(temporary, path)  # readers never see half a file


def _iso_now() -> str:
    return utc_now().isoformat(timespec="milliseconds").replace("+00:00", "Z")
