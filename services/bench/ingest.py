"""``meterhub bench ingest``: readings/s committed to SQLite, next to what MQTT alone carries.

Three phases, each on a fresh Mosquitto child process with the same load (a publisher
process sending QoS 1 readings as fast as the broker acknowledges them):

1. raw: a bare aiomqtt subscriber that only counts -- the upper bound on this machine;
2. bus: the service runtime's ``Bus.subscribe_batch`` with a handler that only counts;
3. storage: the storage pipeline itself (parse, validate, commit to SQLite with WAL and
   roll-ups, state published), measured when each batch is committed.

Rate = readings / (last arrival or commit - first publish), so all three include the
same start-up. Latency = arrival or commit time - the reading's ``ts`` (set by the
publisher when it sent it; same clock). The last line is JSON:
``{"readings_per_s", "raw_per_s", "ratio", "p99_ms", ...}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from ..core.config import MeterhubConfig
from ..core.messages import Reading
from ..core.runtime import Bus, IncomingMessage
from ..core.runtime.logs import setup_logging
from ..core.runtime.mqtt_internals import received_queue
from ..storage.pipeline import StoragePipeline
from ..storage.store import IngestResult
from ..tools.broker_process import MosquittoProcess
from .ingest_publisher import device_ids

DEFAULT_READINGS = 200_000
PHASE_TIMEOUT_S = 600.0
# The bench broker queues without limit: a slow phase must show as latency, not loss.
BROKER_EXTRA = "max_queued_messages 0\n"
UNREACHABLE_SINK = "http://127.0.0.1:9"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--readings", type=int, default=DEFAULT_READINGS, help="readings per phase")
    parser.add_argument("--devices", type=int, default=10, help="devices the readings spread over")
    parser.add_argument("--values", type=int, default=2, choices=range(1, 6), help="values each")
    parser.add_argument("--window", type=int, default=1000, help="publisher's QoS 1 in flight")
    parser.add_argument("--batch-size", type=int, default=1000, help="storage.batch_size")
    parser.add_argument(
        "--rate", type=int, default=0, help="pace the load to this many readings/s (0: no pacing)"
    )
    parser.add_argument(
        "--queue",
        action="store_true",
        help="configure a sink that is down, so every reading is also queued for it",
    )
    parser.add_argument("--phases", default="raw,bus,storage", help="which phases to run")


@dataclass
class Phase:
    name: str
    arrivals: list[float] = field(default_factory=list)  # wall-clock time per reading
    latencies_ms: list[float] = field(default_factory=list)
    publisher: dict[str, Any] = field(default_factory=dict)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def rate(self) -> float:
        return len(self.arrivals) / (max(self.arrivals) - self.publisher["started"])

    def percentile_ms(self, q: int) -> float:
        return statistics.quantiles(self.latencies_ms, n=100)[q - 1]


def _ts_of(payload: bytes) -> float:
    # The publisher writes "ts" second; slicing avoids a JSON parse per message.
    start = payload.index(b'"ts":"') + 6
    return datetime.fromisoformat(payload[start : payload.index(b'"', start)].decode()).timestamp()


async def _publish(broker: MosquittoProcess, args: argparse.Namespace) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.bench.ingest_publisher", broker.host, str(broker.port),
        str(args.readings), str(args.devices), str(args.values), str(args.window),
        str(args.rate), stdout=subprocess.PIPE,
    )  # fmt: skip
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"publisher failed with {process.returncode}")
    return json.loads(out.decode().strip().splitlines()[-1])


async def _raw(
    broker: MosquittoProcess, args: argparse.Namespace, phase: Phase, scratch: Path
) -> None:
    properties = Properties(PacketTypes.CONNECT)
    properties.ReceiveMaximum = min(65535, args.batch_size * 4)  # as the storage bus asks
    seen: list[tuple[float, bytes]] = []
    async with aiomqtt.Client(
        broker.host, broker.port, protocol=aiomqtt.ProtocolVersion.V5, properties=properties
    ) as client:
        await client.subscribe("meterhub/+/reading", qos=1)
        publishing = asyncio.create_task(_publish(broker, args))
        queue = received_queue(client)  # drained directly, as the bus drains it
        async for message in client.messages:
            seen.append((time.time(), message.payload))  # type: ignore[arg-type]
            while not queue.empty():
                seen.append((time.time(), queue.get_nowait().payload))  # type: ignore[arg-type]
            if len(seen) >= args.readings:
                break
        phase.publisher = await publishing
    phase.arrivals = [t for t, _ in seen]
    phase.latencies_ms = [(t - _ts_of(p)) * 1000 for t, p in seen]


async def _bus(
    broker: MosquittoProcess, args: argparse.Namespace, phase: Phase, scratch: Path
) -> None:
    config = _config(broker, scratch / "data", args)
    bus = Bus(config.mqtt, "bench-bus", persistent=True)

    async def count(messages: list[IncomingMessage]) -> None:
        now = time.time()
        for message in messages:
            phase.arrivals.append(now)
            phase.latencies_ms.append((now - _ts_of(message.payload)) * 1000)
        if len(phase.arrivals) >= args.readings:
            phase.done.set()

    bus.subscribe_batch("meterhub/+/reading", count, max_batch=args.batch_size)
    await _run_with(bus, broker, args, phase, [])


async def _storage(
    broker: MosquittoProcess, args: argparse.Namespace, phase: Phase, scratch: Path
) -> None:
    config = _config(broker, scratch / "data", args)
    bus = Bus(config.mqtt, "storage", persistent=True)

    def committed(readings: list[Reading], result: IngestResult, _: float) -> None:
        now = time.time()
        for reading in readings:
            phase.arrivals.append(now)
            phase.latencies_ms.append((now - reading.ts.timestamp()) * 1000)
        if len(phase.arrivals) >= args.readings:
            phase.done.set()

    pipeline = StoragePipeline(config, bus, on_commit=committed)
    pipeline.subscribe()
    await _run_with(bus, broker, args, phase, [pipeline.run()])


async def _run_with(
    bus: Bus, broker: MosquittoProcess, args: argparse.Namespace, phase: Phase, extra: list
) -> None:
    tasks = [asyncio.create_task(bus.run()), *(asyncio.create_task(c) for c in extra)]
    try:
        await asyncio.wait_for(bus.connected.wait(), 10)
        publishing = asyncio.create_task(_publish(broker, args))
        await asyncio.wait_for(phase.done.wait(), PHASE_TIMEOUT_S)
        phase.publisher = await publishing
    finally:
        await bus.stop_receiving()
        for task in tasks[1:]:
            task.cancel()
        await asyncio.gather(*tasks[1:], return_exceptions=True)
        await bus.stop()
        await asyncio.wait_for(tasks[0], 10)


def _config(broker: MosquittoProcess, data_dir: Path, args: argparse.Namespace) -> MeterhubConfig:
    storage: dict[str, Any] = {"data_dir": str(data_dir), "batch_size": args.batch_size}
    if args.queue:
        storage["influxdb_v1"] = {"url": UNREACHABLE_SINK, "database": "bench"}
    return MeterhubConfig.model_validate(
        {
            "mqtt": {"host": broker.host, "port": broker.port},
            "storage": storage,
            "devices": {name: {"kind": "p1"} for name in device_ids(args.devices)},
        }
    )


PHASES = {"raw": _raw, "bus": _bus, "storage": _storage}


async def _run_all(args: argparse.Namespace) -> dict[str, Phase]:
    results: dict[str, Phase] = {}
    for name in args.phases.split(","):
        phase = Phase(name)
        with tempfile.TemporaryDirectory(prefix="meterhub-bench-") as scratch:
            root = Path(scratch)
            with MosquittoProcess(data_dir=root / "broker", extra_config=BROKER_EXTRA) as broker:
                await PHASES[name](broker, args, phase, root)
        results[name] = phase
        print(
            f"{name:8} {phase.rate():>10,.0f} readings/s   "
            f"latency p50 {phase.percentile_ms(50):8.1f}"
            f" ms  p99 {phase.percentile_ms(99):8.1f} ms   (publisher "
            f"{args.readings / (phase.publisher['ended'] - phase.publisher['started']):,.0f}/s)",
            flush=True,
        )
    return results


def run(args: argparse.Namespace) -> int:
    setup_logging("WARNING")
    print(
        f"ingest: {args.readings:,} QoS 1 readings per phase, {args.devices} devices, "
        f"{args.values} values each, batch {args.batch_size}"
        f"{f', paced at {args.rate:,}/s' if args.rate else ', as fast as the broker takes them'}"
        f"{', queued for a sink that is down' if args.queue else ''}",
        flush=True,
    )
    results = asyncio.run(_run_all(args))
    summary: dict[str, Any] = {}
    if "storage" in results:
        summary["readings_per_s"] = round(results["storage"].rate())
        summary["p99_ms"] = round(results["storage"].percentile_ms(99), 1)
    if "raw" in results:
        summary["raw_per_s"] = round(results["raw"].rate())
    if "bus" in results:
        summary["bus_per_s"] = round(results["bus"].rate())
    if "storage" in results and "raw" in results:
        summary["ratio"] = round(results["storage"].rate() / results["raw"].rate(), 3)
    print(json.dumps(summary))
    return 0
