"""Runs one or more services in this process until SIGTERM/SIGINT, then stops them cleanly.

Under ``run all`` a service that raises is restarted with backoff and reported
``failed`` on its availability topic meanwhile; the others never stop for it (a
service that crashes the process would take the meters' readings down with it).

Shutdown order: stop taking messages (the one being handled finishes; the rest stay
unacknowledged with the broker), cancel each service's own coroutine (its ``finally``
blocks close resources), flush each bus's outbox, announce ``offline``, disconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ..config import MeterhubConfig
from .backoff import Backoff
from .bus import Bus
from .health import Health, serve_health
from .logs import kv

log = logging.getLogger("meterhub.runner")


@dataclass(frozen=True)
class ServiceContext:
    config: MeterhubConfig
    bus: Bus
    health: Health


ServiceMain = Callable[[ServiceContext], Awaitable[None]]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    main: ServiceMain
    persistent: bool = False  # QoS 1 consumer: keeps a broker session across restarts
    description: str = ""


async def until_cancelled() -> None:
    """Where a service waits once it is set up: its work runs in its handlers and tasks,
    and the runner ends it by cancelling (its ``finally`` blocks then clean up)."""
    await asyncio.Future()


FAILED = "failed"  # a service's availability while it waits to be restarted
STEADY_S = 60.0  # a service that ran this long before failing starts its backoff afresh


async def _supervised(spec: ServiceSpec, ctx: ServiceContext, stop: asyncio.Event) -> None:
    """Run ``spec`` and, when it raises, run it again after a growing pause."""
    loop = asyncio.get_running_loop()
    backoff = Backoff(initial_s=1.0, max_s=60.0)
    while True:
        started = loop.time()
        try:
            await spec.main(ctx)
            return  # a service with nothing (left) to do
        except Exception as error:
            if stop.is_set():
                return
            if loop.time() - started > STEADY_S:
                backoff.reset()
            delay = backoff.next_delay()
            log.exception(
                "service failed, restarting",
                extra=kv(service=spec.name, error=repr(error), restart_in_s=round(delay, 1)),
            )
            await ctx.bus.publish(ctx.bus.availability_topic, FAILED, retain=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
            return
        log.info("service restarting", extra=kv(service=spec.name))
        await ctx.bus.publish(ctx.bus.availability_topic, "online", retain=True)


async def run_services(
    config: MeterhubConfig,
    specs: list[ServiceSpec],
    *,
    stop: asyncio.Event | None = None,
    health: Health | None = None,
) -> None:
    """Run ``specs`` until ``stop`` is set; without a ``stop`` event, until SIGTERM/SIGINT.

    A caller that brings its own ``stop`` (a test, an embedding program) keeps its own
    signal handling.
    """
    signals = () if stop is not None else (signal.SIGTERM, signal.SIGINT)
    stop = stop or asyncio.Event()
    health = health or Health()
    loop = asyncio.get_running_loop()
    for sig in signals:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await _run(config, specs, stop, health)
    finally:
        for sig in signals:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)


async def _run(
    config: MeterhubConfig, specs: list[ServiceSpec], stop: asyncio.Event, health: Health
) -> None:

    buses = {spec.name: Bus(config.mqtt, spec.name, persistent=spec.persistent) for spec in specs}
    for name, bus in buses.items():
        health.register(name, bus)
    async with asyncio.TaskGroup() as group:
        health_server = None
        if config.health.port is not None:
            health_server = group.create_task(
                serve_health(health, config.health.host, config.health.port)
            )
        # Services first: their handlers are registered before any bus connects.
        # One service alone fails as a process does (its container restarts it); under
        # ``run all`` each is supervised, so one failing service stops no other.
        workers = [
            group.create_task(
                _supervised(spec, ServiceContext(config, buses[spec.name], health), stop)
                if len(specs) > 1
                else spec.main(ServiceContext(config, buses[spec.name], health)),
                name=spec.name,
            )
            for spec in specs
        ]
        connections = [
            group.create_task(bus.run(), name=f"bus:{name}") for name, bus in buses.items()
        ]
        log.info("services started", extra=kv(services=",".join(s.name for s in specs)))
        await stop.wait()
        log.info("stopping", extra=kv(services=",".join(s.name for s in specs)))
        await asyncio.gather(*(bus.stop_receiving() for bus in buses.values()))
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        await asyncio.gather(*(bus.stop() for bus in buses.values()))
        await asyncio.gather(*connections, return_exceptions=True)
        if health_server:
            health_server.cancel()
    log.info("stopped")
