"""Serial lines for meters: open with the protocol's framing, read into a buffer, wait on bytes.

One wrapper around pyserial-asyncio-fast serves the P1 reader, the RS-485 poller and the
IEC 62056-21 readout. Anything pyserial's ``serial_for_url`` opens works: a device, a
link to one (the simulated meter's pty), or ``socket://host:port`` for a network
serial server.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import termios
from collections.abc import AsyncIterator
from dataclasses import dataclass

import serial
import serial_asyncio_fast

from ..core.config.devices import SerialFraming as Framing

_PARITY = {"N": serial.PARITY_NONE, "E": serial.PARITY_EVEN, "O": serial.PARITY_ODD}

# Line settings each protocol starts with when the config leaves them out.
DEFAULT_LINE: dict[str, tuple[int, Framing]] = {
    "p1": (115200, "8N1"),  # DSMR 4 and 5; DSMR 2.2/3 meters need 9600 7E1
    "dlt645": (2400, "8E1"),
    "iec62056": (300, "7E1"),  # mode C sign-on speed; the readout may switch up
}


DRAIN_POLL_S, DRAIN_POLLS = 0.01, 500


class LinkError(Exception):
    """The serial line cannot be used; ``str(error)`` reads well in a terminal."""


@dataclass(frozen=True)
class LineSettings:
    port: str
    baudrate: int
    framing: Framing

    def serial_kwargs(self) -> dict[str, object]:
        bits, parity, stop = self.framing
        return {
            "baudrate": self.baudrate,
            "bytesize": int(bits),
            "parity": _PARITY[parity],
            "stopbits": int(stop),
        }


def line_for(kind: str, port: str, baudrate: int | None, framing: Framing | None) -> LineSettings:
    default_baud, default_framing = DEFAULT_LINE[kind]
    return LineSettings(port, baudrate or default_baud, framing or default_framing)


class _Receiver(asyncio.Protocol):
    def __init__(self) -> None:
        self.buffer = bytearray()
        self.arrived = asyncio.Event()
        self.lost: Exception | None = None
        self.closed = asyncio.Event()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self.arrived.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = exc or LinkError("serial line closed")
        self.closed.set()
        self.arrived.set()


class SerialLine:
    """An open line: ``write``, ``take`` what arrived, ``wait`` for more (with a deadline)."""

    def __init__(self, settings: LineSettings, transport: asyncio.Transport, rx: _Receiver):
        self.settings, self._transport, self._rx = settings, transport, rx

    def write(self, data: bytes) -> None:
        if self._rx.lost is not None:
            raise LinkError(f"{self.settings.port}: {self._rx.lost}")
        self._transport.write(data)

    def discard(self) -> None:
        """Drop what arrived so far: a late answer to an earlier request is not this one's."""
        self._rx.buffer.clear()
        self._rx.arrived.clear()

    def take(self) -> bytes:
        data = bytes(self._rx.buffer)
        self._rx.buffer.clear()
        return data

    def peek(self) -> bytes:
        return bytes(self._rx.buffer)

    def consume(self, count: int) -> None:
        del self._rx.buffer[:count]

    async def wait(self, timeout: float | None) -> bool:
        """Until new bytes arrive; False on timeout. LinkError once the line is gone."""
        if self._rx.lost is not None and not self._rx.buffer:
            raise LinkError(f"{self.settings.port}: {self._rx.lost}")
        self._rx.arrived.clear()
        try:
            await asyncio.wait_for(self._rx.arrived.wait(), timeout)
        except TimeoutError:
            return False
        if self._rx.lost is not None and not self._rx.buffer:
            raise LinkError(f"{self.settings.port}: {self._rx.lost}")
        return True

    async def drain(self) -> None:
        """Until what was written has left the port (before a speed change)."""
        loop = asyncio.get_running_loop()
        for _ in range(DRAIN_POLLS):  # small writes go straight to the port; big ones queue
            if not self._transport.get_write_buffer_size() or self.closed:
                break
            await asyncio.sleep(DRAIN_POLL_S)
        port = getattr(self._transport, "serial", None)
        if port is not None:
            await loop.run_in_executor(None, port.flush)

    def set_baudrate(self, baudrate: int) -> None:
        """Switch speed mid-session (IEC 62056-21 mode C)."""
        port = getattr(self._transport, "serial", None)
        if port is not None:
            port.baudrate = baudrate

    @property
    def closed(self) -> bool:
        return self._rx.closed.is_set()

    def close(self) -> None:
        self._transport.close()


async def open_line(settings: LineSettings) -> SerialLine:
    try:
        return await _open(settings, settings.serial_kwargs())
    except termios.error as error:
        if error.args[0] != errno.EINVAL or settings.framing == "8N1":
            raise LinkError(f"cannot open serial port {settings.port}: {error}") from None
    # Pseudo-terminals (the simulated meter, serial bridges in containers) have no line and
    # so no parity or character size; some kernels refuse those settings instead of
    # ignoring them. The bytes that pass are the same.
    kwargs = {**settings.serial_kwargs(), "parity": serial.PARITY_NONE, "bytesize": 8}
    try:
        return await _open(settings, kwargs)
    except termios.error as error:
        raise LinkError(f"cannot open serial port {settings.port}: {error}") from None


async def _open(settings: LineSettings, kwargs: dict[str, object]) -> SerialLine:
    loop = asyncio.get_running_loop()
    rx = _Receiver()
    try:
        transport, _ = await serial_asyncio_fast.create_serial_connection(
            loop, lambda: rx, settings.port, **kwargs
        )
    except (serial.SerialException, OSError, ValueError) as error:
        raise LinkError(f"cannot open serial port {settings.port}: {_why(error)}") from None
    return SerialLine(settings, transport, rx)


@contextlib.asynccontextmanager
async def opened(settings: LineSettings) -> AsyncIterator[SerialLine]:
    line = await open_line(settings)
    try:
        yield line
    finally:
        line.close()


def _why(error: Exception) -> str:
    text = str(error)
    if "No such file" in text or "Errno 2" in text:
        return "no such device (is the adapter plugged in, is the name right?)"
    if "Permission denied" in text or "Errno 13" in text:
        return "permission denied (is the user in the dialout group?)"
    if "busy" in text.lower() or "Errno 16" in text:
        return "busy (another program has it open)"
    return text
