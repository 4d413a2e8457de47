"""`meterhub bench soak --minutes N`: 50 simulated meters against the whole hub, for a while.

The hub is `meterhub run all` as its own process on a real Mosquitto; this process plays
the meters as their firmware would: P1 bridges publish a telegram every second, ESP32
cameras a JPEG of their LCD on ``frame/raw`` once a minute, RS-485 bridges a reading
every 30 s, and some of each run faster. Every message counts once the broker
acknowledged it. At the end the hub's SQLite file says what arrived: readings in vs
stored (a frame the OCR refused with a reason counts as answered, not lost), the hub's
resident memory over time, and its restarts (``--restart-every-s`` kills it with
SIGKILL now and then, to show that loses nothing either). Target: zero lost, memory flat.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiomqtt
import cv2
import httpx
import numpy as np
import yaml
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from ..core.config.simulator import FrameEffects
from ..core.messages import Reading
from ..database.connection import connect_read
from ..simulator.lcd import render_lcd_frame
from ..simulator.p1 import P1MeterModel
from ..tools.broker_process import MosquittoProcess, free_port, wait_for_port

# kind -> [(how many, seconds between messages)]: 20 + 20 + 10 meters.
FLEET = {
    "p1": [(20, 1.0)],
    "camera": [(15, 60.0), (5, 5.0)],
    "rs485": [(6, 30.0), (4, 1.0)],
}
SOURCES = {"p1": "p1", "camera": "ocr", "rs485": "dlt645"}
WARM_UP_FRACTION = 0.2  # memory before this part of the run is start-up, not growth
FLAT_MB = 8.0  # growth of the median RSS (first quarter → last quarter) still called flat
FLAT_SHARE = 0.05
MIN_JUDGED_S = 300  # shorter runs report memory but do not judge it
DRAIN_IDLE_S = 30.0  # stop waiting for the hub once nothing arrived for this long


@dataclass(frozen=True)
class Meter:
    device: str
    kind: str
    every_s: float


@dataclass
class Soak:
    meters: list[Meter]
    sent: Counter[str] = field(default_factory=Counter)  # device -> acknowledged messages
    rss_mb: list[tuple[float, float]] = field(default_factory=list)  # (s since start, MB)
    planned_restarts: int = 0
    unplanned_restarts: int = 0
    reconnects: dict[str, int] = field(default_factory=dict)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--minutes", type=float, default=10.0, help="how long the meters send")
    parser.add_argument("--sample-s", type=float, default=10.0, help="RSS sampling interval")
    parser.add_argument(
        "--restart-every-s",
        type=float,
        default=0.0,
        help="SIGKILL and restart the hub this often (0: never)",
    )
    parser.add_argument("--seed", type=int, default=1)


def fleet() -> list[Meter]:
    meters = []
    for kind, groups in FLEET.items():
        number = 0
        for count, every_s in groups:
            for _ in range(count):
                number += 1
                meters.append(Meter(f"{kind}-{number:02d}", kind, every_s))
    return meters


def hub_config(meters: list[Meter], broker: MosquittoProcess, data_dir: Path) -> dict[str, Any]:
    camera = {"kind": "camera", "ocr": {"display": "lcd7", "digits": 6, "decimals": 2}}
    kinds = {"p1": {"kind": "p1"}, "rs485": {"kind": "dlt645"}, "camera": camera}
    return {
        "mqtt": {"host": broker.host, "port": broker.port, "reconnect_max_s": 2},
        "devices": {m.device: kinds[m.kind] for m in meters},
        "storage": {"data_dir": str(data_dir)},
        "web": {"enabled": True, "host": "127.0.0.1", "port": free_port()},
        "capture": {"http": {"enabled": False}},
        "logging": {"level": "WARNING"},
    }


# --- the meters -----------------------------------------------------------------------
async def _publish(client: aiomqtt.Client, soak: Soak, meter: Meter, topic: str, payload: bytes,
                   properties: Properties | None = None) -> None:  # fmt: skip
    await client.publish(topic, payload, qos=1, properties=properties)  # returns on PUBACK
    soak.sent[meter.device] += 1


async def _meter(client: aiomqtt.Client, soak: Soak, meter: Meter, end: float, seed: int) -> None:
    loop = asyncio.get_running_loop()
    rng = random.Random(f"{seed}-{meter.device}")
    start = datetime.now(UTC).replace(microsecond=0)
    model = P1MeterModel(rng=rng) if meter.kind == "p1" else None
    balance = rng.uniform(200, 900)
    images = np.random.default_rng(rng.randrange(2**32))
    energy = rng.uniform(1000, 50000)
    due = loop.time() + rng.uniform(0, min(meter.every_s, 5))  # meters do not start in step
    tick = 0
    while due < end:
        await asyncio.sleep(max(0.0, due - loop.time()))  # the meter's own schedule
        prefix = f"meterhub/{meter.device}"
        if model is not None:  # stamped with its schedule: distinct seconds, never ahead
            telegram = model.telegram(start + timedelta(seconds=tick * meter.every_s))
            await _publish(client, soak, meter, f"{prefix}/telegram", telegram.encode())
        elif meter.kind == "camera":
            balance -= 0.01
            jpeg = await asyncio.to_thread(_frame, f"{balance:.2f}", images)
            props = Properties(PacketTypes.PUBLISH)
            props.UserProperty = [("ts", datetime.now(UTC).isoformat().replace("+00:00", "Z")),
                                  ("frame_id", f"{meter.device}-{tick}")]  # fmt: skip
            await _publish(client, soak, meter, f"{prefix}/frame/raw", jpeg, props)
        else:
            energy += rng.uniform(0.001, 0.01)
            values = {"energy_import_kwh": round(energy, 3), "voltage_l1_v": 229.5,
                      "power_w": round(rng.uniform(100, 3000), 1)}  # fmt: skip
            reading = Reading(device=meter.device, ts=datetime.now(UTC), source="dlt645",
                              values=values)  # fmt: skip
            await _publish(client, soak, meter, f"{prefix}/reading", reading.to_payload())
        tick += 1
        due += meter.every_s


def _frame(text: str, rng: np.random.Generator) -> bytes:
    image = render_lcd_frame(text, 6, FrameEffects(), rng)
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return buffer.tobytes()


# --- the hub process --------------------------------------------------------------------
class Hub:
    def __init__(self, config_file: Path, health_port: int, log: Path) -> None:
        self.config_file, self.health_port, self.log = config_file, health_port, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.cli", "--config", str(self.config_file),
                 "run", "all", "--health-port", str(self.health_port)],
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_for_port("127.0.0.1", self.health_port, 60, self.process)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def rss_mb(self) -> float | None:
        assert self.process is not None
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        line = next((x for x in status.splitlines() if x.startswith("VmRSS:")), None)
        return int(line.split()[1]) / 1024 if line else None

    def reconnects(self) -> dict[str, int]:
        with contextlib.suppress(httpx.HTTPError, ValueError):
            report = httpx.get(f"http://127.0.0.1:{self.health_port}/healthz", timeout=5).json()
            return {name: s["connects"] - 1 for name, s in report["services"].items()}
        return {}


async def _watch(hub: Hub, soak: Soak, began: float, end: float, args: argparse.Namespace) -> None:
    """Sample memory; restart the hub when planned, or when it died on its own."""
    next_kill = began + args.restart_every_s if args.restart_every_s else float("inf")
    loop = asyncio.get_running_loop()
    while loop.time() < end:
        await asyncio.sleep(min(args.sample_s, max(0.1, end - loop.time())))  # sampling pace
        assert hub.process is not None
        if hub.process.poll() is not None:
            soak.unplanned_restarts += 1
            await asyncio.to_thread(hub.start)
        elif loop.time() >= next_kill:
            soak.planned_restarts += 1
            hub.kill()
            await asyncio.to_thread(hub.start)
            next_kill += args.restart_every_s
        rss = hub.rss_mb()
        if rss is not None:
            soak.rss_mb.append((loop.time() - began, rss))


# --- counting -------------------------------------------------------------------------
def answered(sqlite_path: Path) -> tuple[Counter[str], Counter[str]]:
    """Per device: readings stored (distinct instants), and camera frames refused."""
    stored: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    if not sqlite_path.exists():
        return stored, refused
    db = connect_read(sqlite_path)
    try:
        for device, count in db.execute(
            "SELECT device, count(DISTINCT coalesce(frame_id, ts)) FROM readings GROUP BY device"
        ):
            stored[device] = count
        for device, count in db.execute(
            "SELECT device, count(DISTINCT json_extract(payload, '$.frame_id')) FROM rejected "
            "WHERE source IN ('ocr', 'capture') GROUP BY device"
        ):
            refused[device] = count
    finally:
        db.close()
    return stored, refused


async def _drain(soak: Soak, sqlite_path: Path) -> tuple[Counter[str], Counter[str]]:
    """Until every message is answered, or nothing more arrives for a while."""
    last, idle_since = -1, time.monotonic()
    while True:
        stored, refused = await asyncio.to_thread(answered, sqlite_path)
        total = sum(stored.values()) + sum(refused.values())
        if all(stored[d] + refused[d] >= n for d, n in soak.sent.items()):
            return stored, refused
        if total != last:
            last, idle_since = total, time.monotonic()
        elif time.monotonic() - idle_since > DRAIN_IDLE_S:
            return stored, refused
        await asyncio.sleep(1.0)  # polling another process's database


def _shipped_autosave() -> str:
    """The broker runs with the autosave lines of the repository's mosquitto.conf."""
    shipped = Path(__file__).resolve().parents[2] / "mosquitto" / "mosquitto.conf"
    lines = shipped.read_text().splitlines() if shipped.exists() else []
    return "".join(f"{line}\n" for line in lines if line.startswith("autosave_"))


async def _soak(args: argparse.Namespace, work: Path) -> tuple[Soak, Counter[str], Counter[str]]:
    soak = Soak(fleet())
    with MosquittoProcess(data_dir=work / "mosquitto", extra_config=_shipped_autosave()) as broker:
        config_file = work / "config.yml"
        config_file.write_text(yaml.safe_dump(hub_config(soak.meters, broker, work / "data")))
        hub = Hub(config_file, free_port(), work / "hub.log")
        await asyncio.to_thread(hub.start)
        try:
            loop = asyncio.get_running_loop()
            began = loop.time()
            end = began + args.minutes * 60
            meters = aiomqtt.Client(
                broker.host, broker.port, identifier="soak-meters",
                protocol=aiomqtt.ProtocolVersion.V5, max_inflight_messages=500,
            )  # fmt: skip
            async with meters as client, asyncio.TaskGroup() as group:
                for meter in soak.meters:
                    group.create_task(_meter(client, soak, meter, end, args.seed))
                group.create_task(_watch(hub, soak, began, end, args))
            stored, refused = await _drain(soak, work / "data" / "meterhub.sqlite3")
            soak.reconnects = await asyncio.to_thread(hub.reconnects)
        finally:
            await asyncio.to_thread(hub.stop)
    return soak, stored, refused


# --- report ---------------------------------------------------------------------------
def memory_verdict(samples: list[tuple[float, float]], run_s: float) -> dict[str, Any]:
    settled = [mb for t, mb in samples if t >= run_s * WARM_UP_FRACTION]
    if len(settled) < 4:
        return {"judged": False}
    quarter = max(1, len(settled) // 4)
    first, last = statistics.median(settled[:quarter]), statistics.median(settled[-quarter:])
    growth = last - first
    hours = max(run_s * (1 - WARM_UP_FRACTION) / 3600, 1e-9)
    flat = growth <= max(FLAT_MB, FLAT_SHARE * first)
    return {"judged": run_s >= MIN_JUDGED_S, "first_mb": round(first, 1),
            "last_mb": round(last, 1), "growth_mb": round(growth, 1),
            "mb_per_hour": round(growth / hours, 1), "flat": flat}  # fmt: skip


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="meterhub-soak-") as scratch:
        soak, stored, refused = asyncio.run(_soak(args, Path(scratch)))
    run_s = args.minutes * 60
    print(f"soak: {len(soak.meters)} meters for {args.minutes:g} min: "
          + ", ".join(f"{n} {kind} every {every:g} s" for kind, groups in FLEET.items()
                      for n, every in groups))  # fmt: skip
    rows, lost_total = {}, 0
    for kind in FLEET:
        devices = [m.device for m in soak.meters if m.kind == kind]
        sent = sum(soak.sent[d] for d in devices)
        kept = sum(min(stored[d], soak.sent[d]) for d in devices)
        no = sum(min(refused[d], soak.sent[d] - min(stored[d], soak.sent[d])) for d in devices)
        lost = sent - kept - no
        lost_total += lost
        rows[kind] = {"in": sent, "stored": kept, "refused": no, "lost": lost}
        print(f"  {kind:<7} in {sent:>8}  stored {kept:>8}  refused with a reason {no:>6}"
              f"  lost {lost:>5}")  # fmt: skip
    rss = [mb for _, mb in soak.rss_mb]
    memory = memory_verdict(soak.rss_mb, run_s)
    if rss:
        print(f"  hub RSS: start {rss[0]:.0f} MB, end {rss[-1]:.0f} MB, max {max(rss):.0f} MB"
              + (f"; after warm-up {memory['first_mb']} → {memory['last_mb']} MB "
                 f"({memory['mb_per_hour']:+} MB/h)" if "first_mb" in memory else ""))  # fmt: skip
    print(f"  restarts: {soak.planned_restarts} planned (SIGKILL), {soak.unplanned_restarts} "
          f"unplanned; bus reconnects since the last start: {soak.reconnects}")  # fmt: skip
    memory_ok = memory.get("flat", True) or not memory.get("judged")
    met = lost_total == 0 and soak.unplanned_restarts == 0 and memory_ok
    judged = "" if memory.get("judged") else " (run too short to judge memory)"
    print(f"  target: zero lost, memory flat: {'met' if met else 'MISSED'}{judged}")
    print(json.dumps({
        "bench": "soak", "minutes": args.minutes, "meters": len(soak.meters), "kinds": rows,
        "in": sum(r["in"] for r in rows.values()), "lost": lost_total, "memory": memory,
        "rss_mb": [round(mb, 1) for mb in rss], "planned_restarts": soak.planned_restarts,
        "unplanned_restarts": soak.unplanned_restarts, "met": met,
    }))  # fmt: skip
    return 0 if met else 1
