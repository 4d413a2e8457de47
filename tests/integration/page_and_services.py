"""The OCR worker and storage on a real Mosquitto with the web page's API beside them,
as a user's correction travels: page → bus → storage, frames from a test camera."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from services.core.config import MeterhubConfig
from services.core.runtime import run_services
from services.core.runtime.bus import Bus
from services.registry import service_spec
from tests.bus_helpers import Collector, running_bus
from tests.web.conftest import asgi_client

SERVICES = ("ocr_worker", "storage")


@asynccontextmanager
async def worker_storage_and_page(
    config: MeterhubConfig,
) -> AsyncIterator[tuple[Collector, Bus, httpx.AsyncClient]]:
    """Everything on ``meterhub/#`` as seen, a bus to play the camera on, and the page's
    API client, once both services are online; both stop cleanly at the end."""
    seen = Collector()
    stop = asyncio.Event()
    services = asyncio.create_task(
        run_services(config, [service_spec(name) for name in SERVICES], stop=stop)
    )
    try:
        async with (
            running_bus(config.mqtt, "test-observer", {"meterhub/#": seen}) as camera,
            running_bus(config.mqtt, "test-web") as web_bus,
            asgi_client(config, bus=web_bus) as page,
        ):
            for name in SERVICES:
                topic = f"meterhub/service/{name}/availability"
                await seen.wait_for(lambda m, t=topic: m.topic == t and m.payload == b"online")
            yield seen, camera, page
    finally:
        stop.set()
        await asyncio.wait_for(services, 30)
