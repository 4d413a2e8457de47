"""A Saiman CE-711 (single phase, DL/T 645-1997) answering real frames on a pseudo-terminal.

The gateway's poller opens the pty's other end through pyserial like any USB adapter, so
the whole serial stack runs in the demo and the tests. The meter keeps a clock-driven
state: four tariff registers whose sum is the total, reactive energy, and instantaneous
voltage, current and power. It stays silent on frames that are not for it or are broken,
as a meter on a shared bus does, and answers unknown registers with an error reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import random
import tty
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from ..core.config.simulator import SimulatedDlt645Meter
from ..core.runtime.runner import until_cancelled
from ..protocols.dlt645 import (
    BROADCAST,
    DATA_IDS,
    READ,
    READ_ADDRESS_2007,
    REPLY_BIT,
    Edition,
    FrameError,
    build_frame,
    encode_value,
    error_frame,
    parse_frame,
    reply_frame,
    split_frame,
)

MOSCOW = ZoneInfo("Europe/Moscow")
NO_SUCH_DATA = {"1997": 0x02, "2007": 0x02}  # error status bit 1 in both editions
POWER_FACTOR = 0.93
# Two-rate day/night schedule; T3 and T4 exist in the meter but this household uses none.
_DAY = range(7, 23)


class VirtualCe711:
    """Meter state and its answer to one request frame."""

    def __init__(
        self,
        address: str = "000012345678",
        *,
        edition: Edition = "1997",
        load_w: float = 600.0,
        rng: random.Random | None = None,
    ) -> None:
        self.address, self.edition, self.load_w = address, edition, load_w
        self.rng = rng or random.Random()
        self.tariff_wh = [self.rng.uniform(1e6, 9e6), self.rng.uniform(5e5, 4e6), 0.0, 0.0]
        self.reactive_varh = sum(self.tariff_wh) * 0.4
        self.power_w = load_w
        self.voltage_v = 229.0
        self.clock: datetime | None = None
        self.silent = False  # a meter whose line broke
        self.corrupt_replies = 0  # the next n replies go out with a wrong checksum
        self.requests = 0

    def tariff(self, now: datetime) -> int:
        return 1 if now.astimezone(MOSCOW).hour in _DAY else 2

    def advance(self, now: datetime) -> None:
        """Integrate up to ``now``; the load and the grid move only when time does."""
        if self.clock is not None and now <= self.clock:
            return
        if self.clock is not None:
            hours = (now - self.clock).total_seconds() / 3600
            self.tariff_wh[self.tariff(self.clock) - 1] += self.power_w * hours
            self.reactive_varh += self.power_w * math.tan(math.acos(POWER_FACTOR)) * hours
        self.clock = now
        wobble = self.rng.gauss(0, 0.15 * self.load_w)
        self.power_w = max(5.0, self.load_w + wobble)
        self.voltage_v = min(max(self.voltage_v + self.rng.gauss(0, 0.8), 215.0), 242.0)

    def registers(self, now: datetime) -> dict[str, object]:
        """What the meter displays: energy truncated to 10 Wh, as its BCD registers hold."""
        local = now.astimezone(MOSCOW)
        kwh = [Decimal(int(wh / 10)).scaleb(-2) for wh in self.tariff_wh]
        volts = Decimal(round(self.voltage_v, 0 if self.edition == "1997" else 1))
        amps = self.power_w / self.voltage_v / POWER_FACTOR
        return {
            "energy_import_kwh": sum(kwh),
            **{f"energy_import_t{t}_kwh": kwh[t - 1] for t in range(1, 5)},
            **{k: Decimal(0) for k in ("energy_export_kwh", "reactive_energy_export_kvarh")},
            **{f"energy_export_t{t}_kwh": Decimal(0) for t in range(1, 5)},
            "reactive_energy_kvarh": Decimal(int(self.reactive_varh / 10)).scaleb(-2),
            "voltage_l1_v": volts,
            "current_l1_a": Decimal(round(amps, 2 if self.edition == "1997" else 3)),
            "power_w": Decimal(round(self.power_w / 1000, 4)),
            "reactive_power_var": Decimal(
                round(self.power_w * 0.395 / 1000, 2 if self.edition == "1997" else 4)
            ),
            "power_factor": Decimal(str(POWER_FACTOR)),
            "date": local.date(),
            "time": local.time().replace(microsecond=0),
            "meter address": self.address,
        }

    def answer(self, request: bytes, now: datetime) -> bytes | None:
        """The meter's reply to one frame, or None when it stays silent."""
        self.requests += 1
        if self.silent:
            return None
        try:
            frame = parse_frame(request)
        except FrameError:
            return None
        if frame.is_reply or frame.address not in (self.address, BROADCAST[self.edition]):
            return None
        self.advance(now)
        if self.edition == "2007" and frame.control == READ_ADDRESS_2007:
            reply = build_frame(
                self.address, READ_ADDRESS_2007 | REPLY_BIT, bytes.fromhex(self.address)[::-1]
            )
        elif frame.control == READ[self.edition]:
            reply = self._read(frame.data)
        else:
            return None  # other editions' or functions' frames: a real meter ignores them
        return self._maybe_corrupt(reply)

    def _read(self, di: bytes) -> bytes:
        code = int.from_bytes(di, "little")
        item = DATA_IDS.get((self.edition, code))
        shown = self.registers(self.clock or datetime.now(UTC))
        key = item.quantity or item.name if item else None
        if item is None or key not in shown:
            return error_frame(self.address, self.edition, NO_SUCH_DATA[self.edition])
        value = shown[key]
        encode_value(item, value)  # a value that does not fit is a bug here, not on the line
        return reply_frame(self.address, item, value)  # type: ignore[arg-type]

    def _maybe_corrupt(self, reply: bytes) -> bytes:
        if self.corrupt_replies > 0:
            self.corrupt_replies -= 1
            return reply[:-2] + bytes([(reply[-2] + 1) & 0xFF]) + reply[-1:]
        return reply


class PtyMeter:
    """Serves a ``VirtualCe711`` on a pseudo-terminal, with a stable link to its path."""

    def __init__(self, meter: VirtualCe711, link: Path, *, time_scale: float = 1.0) -> None:
        """``time_scale`` 0 stops the meter's clock: every answer then shows the same state."""
        self.meter, self.link, self.time_scale = meter, link, time_scale
        self.ready = asyncio.Event()
        self.port = ""
        self._buffer = b""
        self._started = datetime.now(UTC)

    def _now(self) -> datetime:
        real = datetime.now(UTC)
        return self._started + timedelta(
            seconds=(real - self._started).total_seconds() * self.time_scale
        )

    async def run(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line editing: bytes pass as they are
        os.set_blocking(master, False)
        self.port = os.ttyname(slave)
        self.link.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.link.unlink()
        self.link.symlink_to(self.port)
        loop = asyncio.get_running_loop()
        loop.add_reader(master, self._readable, master)
        self.ready.set()
        try:
            await until_cancelled()
        finally:
            loop.remove_reader(master)
            with contextlib.suppress(FileNotFoundError):
                if self.link.is_symlink() and os.readlink(self.link) == self.port:
                    self.link.unlink()
            os.close(master)
            os.close(slave)  # held open so the master never reads EIO between clients

    def _readable(self, master: int) -> None:
        try:
            self._buffer += os.read(master, 4096)
        except (BlockingIOError, OSError):
            return
        while True:
            raw, self._buffer = split_frame(self._buffer)
            if raw is None:
                return
            reply = self.meter.answer(raw, self._now())
            if reply is not None:
                os.write(master, reply)


def pty_meter(settings: SimulatedDlt645Meter, seed: int) -> PtyMeter:
    """The simulator's CE-711 from its config: a model served on a pty behind ``link``."""
    meter = VirtualCe711(
        settings.address, edition=settings.edition, load_w=settings.load_w,
        rng=random.Random(seed),
    )  # fmt: skip
    return PtyMeter(meter, Path(settings.link), time_scale=settings.time_scale)


async def _serve(link: Path, address: str) -> None:
    server = PtyMeter(VirtualCe711(address), link)
    task = asyncio.create_task(server.run())
    await server.ready.wait()
    print(f"virtual CE-711 {address} on {server.port}, linked from {link}; Ctrl-C stops it")
    await task


if __name__ == "__main__":
    # A meter to try `meterhub meter` on without hardware. A pty has one reader at a time,
    # unlike an RS-485 bus: don't point the gateway at the same link meanwhile.
    import sys

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(Path(sys.argv[1] if len(sys.argv) > 1 else "ce711.tty"),
                           sys.argv[2] if len(sys.argv) > 2 else "000012345678"))  # fmt: skip
