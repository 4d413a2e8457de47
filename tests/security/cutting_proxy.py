"""A TCP relay in front of a real broker that cuts the line at one chosen publish.

It reads the client's MQTT packets (fixed header, remaining length) and forwards them
unchanged until the client publishes to a topic starting with ``cut_prefix``: that
packet is not forwarded, both sockets are closed, and every later connection is refused.
The broker thus sees everything the client sent before that publish, and nothing after.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

PUBLISH = 3
READ_BYTES = 65536


async def _packet(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One MQTT packet: (fixed header, rest)."""
    header = await reader.readexactly(1)
    length, shift = 0, 0
    while True:
        byte = await reader.readexactly(1)
        header += byte
        length += (byte[0] & 0x7F) << shift
        shift += 7
        if not byte[0] & 0x80:
            break
    return header, await reader.readexactly(length)


@dataclass
class CuttingProxy:
    broker_host: str
    broker_port: int
    cut_prefix: str
    cut: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0
    _server: asyncio.Server | None = None

    async def __aenter__(self) -> CuttingProxy:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _relay(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        if self.cut.is_set():
            client_w.close()
            return
        broker_r, broker_w = await asyncio.open_connection(self.broker_host, self.broker_port)
        tasks = [
            asyncio.create_task(self._upstream(client_r, broker_w)),
            asyncio.create_task(self._downstream(broker_r, client_w)),
        ]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            task.cancel()
        for writer in (client_w, broker_w):
            writer.close()

    async def _upstream(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                header, rest = await _packet(reader)
                if header[0] >> 4 == PUBLISH:
                    topic = rest[2 : 2 + int.from_bytes(rest[:2], "big")].decode()
                    if topic.startswith(self.cut_prefix):
                        self.cut.set()
                        return
                writer.write(header + rest)
                await writer.drain()

    async def _downstream(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(READ_BYTES):
                writer.write(data)
                await writer.drain()
