"""``/healthz`` for a process: every service's bus connection and outbox, as JSON."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from .bus import Bus
from .logs import kv

log = logging.getLogger("meterhub.health")


@dataclass
class Health:
    buses: dict[str, Bus] = field(default_factory=dict)
    _registered: asyncio.Event = field(default_factory=asyncio.Event)

    def register(self, name: str, bus: Bus) -> None:
        self.buses[name] = bus
        self._registered.set()

    async def wait_connected(self, name: str) -> None:
        """Until service ``name`` is connected and subscribed (for tests and start-up order)."""
        while name not in self.buses:
            self._registered.clear()
            await self._registered.wait()
        await self.buses[name].connected.wait()

    def report(self) -> dict[str, Any]:
        services = {
            name: {
                "connected": bus.connected.is_set(),
                "outbox": bus.outbox_size,
                "connects": bus.stats.connects,
                "received": bus.stats.received,
                "published": bus.stats.published,
                "handler_errors": bus.stats.handler_errors,
                "last_error": bus.stats.last_error,
            }
            for name, bus in self.buses.items()
        }
        healthy = all(s["connected"] for s in services.values())
        return {"status": "ok" if healthy else "degraded", "services": services}

    @property
    def healthy(self) -> bool:
        return self.report()["status"] == "ok"


async def serve_health(
    health: Health, host: str, port: int, started: asyncio.Event | None = None
) -> None:
    """A minimal HTTP listener answering ``GET /healthz`` (200 ok, 503 degraded)."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await asyncio.wait_for(reader.readline(), 5)
            while (await asyncio.wait_for(reader.readline(), 5)) not in (b"\r\n", b"\n", b""):
                pass
            parts = request_line.decode(errors="replace").split()
            if len(parts) >= 2 and parts[1] == "/healthz":
                report = health.report()
                status = "200 OK" if report["status"] == "ok" else "503 Service Unavailable"
                body = json.dumps(report).encode()
            else:
                status, body = "404 Not Found", b'{"error": "not found"}'
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(answer, host, port)
    log.info(
        "healthz listening",
        extra=kv(address=f"http://{host}:{server.sockets[0].getsockname()[1]}/healthz"),
    )
    if started:
        started.set()
    async with server:
        await server.serve_forever()
