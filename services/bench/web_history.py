"""`meterhub bench web`: history over HTTP for a year of minute readings, and live latency.

A year of one reading a minute (525,600, through storage's own write path with its
roll-ups) is asked for whole at ``every=1h`` (8,760 points) and ``every=1d`` (365) over
real HTTP to the real app, next to storage's own ``ReadingQueries.history`` for the same
range in the same process (the baseline: the read side the page would otherwise use).
With Mosquitto installed, it also times a ``state`` message from the bus to a server-sent
event at a client (``--live``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from ..core.config import MeterhubConfig
from ..core.messages import Reading
from ..database.reading_queries import ReadingQueries
from ..storage.store import ReadingStore
from ..tools.broker_process import MosquittoProcess, free_port
from ..web.app import create_app

TARGET_P95_MS = 100.0
TARGET_LIVE_P95_MS = 1000.0
DEVICE, QUANTITY = "bench", "energy_import_kwh"
START = datetime(2025, 1, 1, tzinfo=UTC)
MINUTES_PER_YEAR = 365 * 24 * 60
BATCH = 5000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--requests", type=int, default=100, help="requests per every")
    parser.add_argument("--minutes", type=int, default=MINUTES_PER_YEAR, help="readings seeded")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="keep the seeded store here and reuse it"
    )
    parser.add_argument("--live", type=int, default=200, help="state messages timed (0: skip)")


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _summary(samples_s: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    return {
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(_percentile(ms, 0.95), 2),
        "max_ms": round(max(ms), 2),
    }


def seed(data_dir: Path, minutes: int) -> tuple[int, float]:
    """Minute readings of a counter (20 Wh a minute) from START; (rows, seconds) or (rows, 0)
    when the store already holds them."""
    config = _config(data_dir)
    path = config.storage.sqlite_path
    queries = ReadingQueries(path)
    have = queries.history(DEVICE, QUANTITY, every="month")
    queries.close()
    if sum(r["n"] for r in have) >= minutes:
        return minutes, 0.0
    store = ReadingStore(path)
    began = time.perf_counter()
    for first in range(0, minutes, BATCH):
        store.ingest(
            [
                Reading(device=DEVICE, ts=START + timedelta(minutes=i), source="sim",
                        values={QUANTITY: 10_000 + 0.02 * i})
                for i in range(first, min(first + BATCH, minutes))
            ]
        )  # fmt: skip
    store.close()
    return minutes, time.perf_counter() - began


def _config(data_dir: Path, port: int = 0, mqtt_port: int = 1883) -> MeterhubConfig:
    return MeterhubConfig.model_validate(
        {
            "mqtt": {"port": mqtt_port},
            "storage": {"data_dir": str(data_dir)},
            "web": {"host": "127.0.0.1", "port": port},
            "devices": {DEVICE: {"kind": "p1"}},
        }
    )


def _serve(config: MeterhubConfig) -> tuple[uvicorn.Server, threading.Thread]:
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), host="127.0.0.1", port=config.web.port,
                       log_level="warning", lifespan="off")
    )  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    return server, thread


def history_rounds(data_dir: Path, requests: int, minutes: int) -> dict[str, Any]:
    end = START + timedelta(minutes=minutes)
    config = _config(data_dir, port=free_port())
    server, thread = _serve(config)
    queries = ReadingQueries(config.storage.sqlite_path)
    results: dict[str, Any] = {}
    url = f"http://127.0.0.1:{config.web.port}/api/devices/{DEVICE}/history"
    params = {"quantity": QUANTITY, "from": START.isoformat(), "to": end.isoformat()}
    try:
        with httpx.Client(timeout=30) as client:
            for every in ("1h", "1d"):
                http_s, query_s, points = [], [], 0
                for _ in range(requests):
                    began = time.perf_counter()
                    answer = client.get(url, params={**params, "every": every})
                    http_s.append(time.perf_counter() - began)
                    answer.raise_for_status()
                    points = len(answer.json()["points"])
                    began = time.perf_counter()
                    queries.history(DEVICE, QUANTITY, start=START, end=end, every=every)
                    query_s.append(time.perf_counter() - began)
                results[every] = {"points": points, "http": _summary(http_s),
                                  "storage_query": _summary(query_s)}  # fmt: skip
    finally:
        server.should_exit = True
        thread.join(10)
        queries.close()
    return results


async def _live_latency(count: int, data_dir: Path) -> dict[str, float]:
    from ..core.runtime import run_services
    from ..core.runtime.bus import Bus
    from ..core.runtime.health import Health
    from ..registry import service_spec

    with MosquittoProcess(data_dir=data_dir / "mosquitto") as broker:
        config = _config(data_dir, port=free_port(), mqtt_port=broker.port)
        health, stop = Health(), asyncio.Event()
        running = asyncio.create_task(
            run_services(config, [service_spec("web")], stop=stop, health=health)
        )
        publisher = Bus(config.mqtt, "bench-publisher")
        publishing = asyncio.create_task(publisher.run())
        await health.wait_connected("web")
        await publisher.connected.wait()
        base = f"http://127.0.0.1:{config.web.port}"
        latencies: list[float] = []
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            while True:
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            async with client.stream("GET", "/api/events") as stream:
                lines = stream.aiter_lines()
                async for line in lines:  # up to the snapshot
                    if line.startswith("data: "):
                        break
                for index in range(count):
                    sent = time.perf_counter()
                    payload = {"ts": datetime.now(UTC).isoformat(), "power_w": float(index)}
                    await publisher.publish(f"meterhub/{DEVICE}/state", json.dumps(payload))
                    async for line in lines:
                        if line.startswith("data: ") and f'"power_w":{float(index)}' in line:
                            latencies.append(time.perf_counter() - sent)
                            break
        await publisher.stop()
        await publishing
        stop.set()
        await running
    return _summary(latencies)


def run(args: argparse.Namespace) -> int:
    scratch = None
    data_dir = args.data_dir
    if data_dir is None:
        scratch = tempfile.TemporaryDirectory()
        data_dir = Path(scratch.name)
    try:
        rows, seeded_s = seed(data_dir, args.minutes)
        how = f"seeded in {seeded_s:.1f} s" if seeded_s else "reused"
        print(f"web: {rows} minute readings of one counter ({how}), {args.requests} requests "
              "per every, whole range each time")  # fmt: skip
        results = history_rounds(data_dir, args.requests, args.minutes)
        ok = True
        for every, result in results.items():
            http, query = result["http"], result["storage_query"]
            ok = ok and http["p95_ms"] < TARGET_P95_MS
            print(f"  every={every:<3} {result['points']:>5} points  HTTP p50 "
                  f"{http['p50_ms']:7.2f} ms  p95 {http['p95_ms']:7.2f} ms  max "
                  f"{http['max_ms']:7.2f} ms  (storage's ReadingQueries.history alone: "
                  f"p95 {query['p95_ms']:6.2f} ms)")  # fmt: skip
        live = None
        if args.live and shutil.which("mosquitto"):
            live = asyncio.run(_live_latency(args.live, data_dir))
            ok = ok and live["p95_ms"] < TARGET_LIVE_P95_MS
            print(
                f"  live: bus state → SSE event p50 {live['p50_ms']:.2f} ms  "
                f"p95 {live['p95_ms']:.2f} ms  max {live['max_ms']:.2f} ms ({args.live} events)"
            )
        elif args.live:
            print("  live: skipped (no mosquitto on this machine)")
        verdict = "met" if ok else "MISSED"
        print(f"  targets: history p95 < {TARGET_P95_MS:.0f} ms, live p95 < "
              f"{TARGET_LIVE_P95_MS:.0f} ms: {verdict}")  # fmt: skip
        print(json.dumps({"bench": "web", "rows": rows, "history": results, "live": live,
                          "target_p95_ms": TARGET_P95_MS, "met": ok}))  # fmt: skip
        return 0 if ok else 1
    finally:
        if scratch is not None:
            scratch.cleanup()
