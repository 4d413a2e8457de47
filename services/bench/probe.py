"""`meterhub bench probe`: the whole hub probed as a broken device or a hostile client would.

`meterhub demo` (broker, every service, the simulated meters) runs as its own process on
free loopback ports; this process then sends what docs/security.md promises to survive:
another meter's balance on a device's own topic, a reading stamped in the future, dates at
the calendar's edges, junk on retained topics the web page reads, digit boxes too small to
read, a 30 MB upload while `/healthz` is asked every few milliseconds, a 10 MB token, a
20 MB publish. It counts what went wrong: a service that died or went offline, an HTTP
500, a spoofed value shown anywhere, a meter that fell silent, the longest `/healthz`
wait. Target: all zero, the longest wait under 100 ms. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiomqtt
import httpx
import yaml

from ..core.config.loader import default_config_text
from ..core.topics import Topics
from ..tools.broker_process import free_port, wait_for_port

STALL_MS = 100.0  # the longest a /healthz may wait while another request is served
SPOOF_VALUES = (888.0, 777.0)  # balances only a probe ever sends
EDGE_QUERIES = (
    "/api/devices/pln/history?to=0001-01-01T00:00:00Z&every=raw",
    "/api/devices/pln/history?from=0001-01-01T00:00:00%2B14:00&to=0001-01-02T00:00:00Z&every=day",
    "/api/devices/pln/history?from=9999-12-30T00:00:00Z&to=9999-12-31T23:59:59-14:00&every=hour",
    "/api/devices/pln/history?from=9999-12-31T23:59:59Z&every=month",
    "/api/devices/pln/history.csv?to=0001-01-01T00:00:00Z&every=raw",
    "/api/devices/p1/quarters?day=0001-01-01",
    "/api/devices/p1/quarters?day=9999-12-31",
    "/api/devices/p1/peaks?month=0001-01",
    "/api/devices/p1/peaks?month=9999-12",
    "/api/devices/p1/quarters/0001-01-01T00:00:00%2B14:00",
    "/api/devices/pln/rejected?limit=99999999999999999999",
)
READS_AFTER_JUNK = ("/api/devices/pln/prepaid", "/api/devices/pln/image?annotated=true")
ANSWER_S = 30.0  # how long a meter may take to answer a frame or a reading


@dataclass
class Findings:
    crashes: list[str] = field(default_factory=list)
    http_500: list[str] = field(default_factory=list)
    spoofed: list[str] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)
    accepted_junk: list[str] = field(default_factory=list)
    healthz_max_ms: float = 0.0
    probes: dict[str, float] = field(default_factory=dict)  # probe -> seconds it took

    def summary(self) -> dict[str, Any]:
        return {
            "crashes": len(self.crashes),
            "http_500": len(self.http_500),
            "spoofed": len(self.spoofed),
            "silent": len(self.silent),
            "accepted_junk": len(self.accepted_junk),
            "stalls": int(self.healthz_max_ms > STALL_MS),
            "healthz_max_ms": round(self.healthz_max_ms, 1),
            "details": {
                "crashes": self.crashes,
                "http_500": self.http_500,
                "spoofed": self.spoofed,
                "silent": self.silent,
                "accepted_junk": self.accepted_junk,
            },
            "probe_s": {k: round(v, 2) for k, v in self.probes.items()},
        }


@dataclass
class Hub:
    """The hub under probe: its web address, its broker, and a listener on its bus."""

    web: httpx.AsyncClient
    mqtt: aiomqtt.Client
    topics: Topics
    findings: Findings
    seen: dict[str, asyncio.Queue[bytes]] = field(default_factory=dict)

    async def get(self, path: str) -> httpx.Response | None:
        try:
            response = await self.web.get(path)
        except httpx.TransportError as error:  # the server dropped the connection
            self.findings.http_500.append(f"GET {path} -> no answer ({error!r})")
            return None
        self.note_status(f"GET {path}", response)
        return response

    def note_status(self, what: str, response: httpx.Response) -> None:
        if response.status_code >= 500:
            self.findings.http_500.append(f"{what} -> {response.status_code}")

    def queue(self, topic: str) -> asyncio.Queue[bytes]:
        return self.seen.setdefault(topic, asyncio.Queue())

    async def next_on(self, topic: str, timeout: float = ANSWER_S) -> bytes | None:
        """The next message on ``topic`` after now (what came before is dropped)."""
        queue = self.queue(topic)
        while not queue.empty():
            queue.get_nowait()
        try:
            return await asyncio.wait_for(queue.get(), timeout)
        except TimeoutError:
            return None

    async def shows_spoof(self) -> list[str]:
        shown = []
        for path in ("/api/devices/pln/latest", "/api/devices/pln/prepaid"):
            response = await self.get(path)
            text = response.text if response is not None else ""
            shown += [f"{path} shows {v:g}" for v in SPOOF_VALUES if f"{v:g}" in _numbers(text)]
        return shown


def _numbers(text: str) -> set[str]:
    """Every number in a JSON answer, written as `{:g}` writes it."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, int | float) and not isinstance(node, bool):
            found.add(f"{float(node):g}")

    with contextlib.suppress(ValueError):
        walk(json.loads(text))
    return found


def _reading(device: str, balance: float, ts: datetime) -> bytes:
    return json.dumps(
        {
            "device": device,
            "ts": ts.isoformat().replace("+00:00", "Z"),
            "source": "ocr",
            "values": {"token_balance_kwh": balance},
        }
    ).encode()


async def _refused_and_hidden(hub: Hub, on_device: str, payload: bytes, what: str) -> None:
    """Publish a reading on ``on_device``'s topic: storage must refuse it, and no page show it."""
    rejected = asyncio.ensure_future(hub.next_on(hub.topics.device("rejected", on_device)))
    await asyncio.sleep(0)
    await hub.mqtt.publish(hub.topics.device("reading", on_device), payload, qos=1)
    if await rejected is None:
        hub.findings.accepted_junk.append(f"{what}: no rejection")
    hub.findings.spoofed += await hub.shows_spoof()


async def probe_other_meters_balance(hub: Hub) -> None:
    """p1 writes pln's balance on p1's own topic, stamped 2099."""
    payload = _reading("pln", SPOOF_VALUES[0], datetime(2099, 1, 1, tzinfo=UTC))
    await _refused_and_hidden(hub, "p1", payload, "another meter's reading on p1's topic")


async def probe_future_stamp(hub: Hub) -> None:
    """pln's own topic, a balance stamped a day ahead: it must never become the newest."""
    payload = _reading("pln", SPOOF_VALUES[1], datetime.now(UTC) + timedelta(days=1))
    await _refused_and_hidden(hub, "pln", payload, "reading stamped a day ahead")


async def probe_calendar_edges(hub: Hub) -> None:
    for path in EDGE_QUERIES:
        await hub.get(path)


async def probe_junk_retained(hub: Hub) -> None:
    """Junk on retained topics the web page and services read, then a valid clear-up."""
    junk = {"token_state": b'{"foo":1}', "ocr_rois": b'{"display":"abc"}', "state": b"[1,2"}
    for kind, payload in junk.items():
        await hub.mqtt.publish(hub.topics.device(kind, "pln"), payload, qos=1, retain=True)
    # The web page reads them as they come; ask a few times while they settle.
    for _ in range(10):
        for path in READS_AFTER_JUNK:
            await hub.get(path)
        await asyncio.sleep(0.2)
    for kind in junk:
        await hub.mqtt.publish(hub.topics.device(kind, "pln"), b"", qos=1, retain=True)
    await hub.web.delete("/api/devices/pln/rois")


async def probe_tiny_digit_boxes(hub: Hub) -> None:
    """Six 1×1 digit boxes: refused by the API, or at least answered by the meter."""
    boxes = [[10 + 4 * i, 10, 1, 1] for i in range(6)]
    response = await hub.web.put("/api/devices/pln/rois", json={"digits": boxes})
    hub.note_status("PUT six 1x1 digit boxes", response)
    if response.status_code < 400:
        hub.findings.accepted_junk.append("six 1x1 digit boxes accepted")
        answered = await _answered(hub, "pln")
        if not answered:
            hub.findings.silent.append("pln silent after six 1x1 digit boxes")
    await hub.web.delete("/api/devices/pln/rois")


async def _answered(hub: Hub, device: str) -> bool:
    """A frame of ``device`` comes back as a reading or a rejection."""
    waits = [
        asyncio.ensure_future(hub.next_on(hub.topics.device(kind, device)))
        for kind in ("ocr", "rejected")
    ]
    await asyncio.sleep(0)
    response = await hub.web.post(f"/api/devices/{device}/capture")
    hub.note_status(f"POST capture {device}", response)
    if response.status_code != 202:
        hub.findings.silent.append(f"capture of {device} answered {response.status_code}")
    done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    return any(task.result() is not None for task in done)


async def probe_big_bodies(hub: Hub, base: str) -> None:
    """A 30 MB ROI body and a 10 MB token while /healthz is asked every 5 ms."""
    stop = asyncio.Event()

    async def healthz() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            while not stop.is_set():
                started = time.perf_counter()
                response = await client.get("/healthz")
                waited = (time.perf_counter() - started) * 1000
                hub.findings.healthz_max_ms = max(hub.findings.healthz_max_ms, waited)
                hub.note_status("GET /healthz during a large body", response)
                await asyncio.sleep(0.005)

    watcher = asyncio.create_task(healthz())
    try:
        big = b'{"digits": [' + b"[1, 1, 1, 1], " * (30_000_000 // 14) + b"[1, 1, 1, 1]]}"
        try:
            response = await hub.web.put(
                "/api/devices/pln/rois", content=big, headers={"Content-Type": "application/json"}
            )
        except httpx.TransportError:
            response = None  # answered (413) and closed before the body was all sent
        if response is not None:
            hub.note_status("PUT 30 MB ROIs", response)
            if response.status_code < 400:
                hub.findings.accepted_junk.append("30 MB ROI body accepted")
        token = "1" * 10_000_000
        try:
            response = await hub.web.post("/api/devices/pln/token", json={"token": token})
        except httpx.TransportError:
            response = None
        if response is not None:
            hub.note_status("POST 10 MB token", response)
            if len(response.content) > 10_000:
                hub.findings.accepted_junk.append(
                    f"10 MB token answered with {len(response.content):,} bytes"
                )
    finally:
        stop.set()
        await watcher


async def probe_big_publish(hub: Hub, broker_port: int) -> None:
    """A 20 MB camera upload on a connection of its own: the broker cuts it off."""
    with contextlib.suppress(aiomqtt.MqttError):
        async with aiomqtt.Client("127.0.0.1", broker_port, identifier="probe-big") as client:
            await client.publish(
                hub.topics.device("frame_raw", "pln"), b"\xff" * 20_000_000, qos=1, timeout=10
            )
            hub.findings.accepted_junk.append("20 MB publish acknowledged by the broker")


PROBES: dict[str, Callable[[Hub], Awaitable[None]]] = {
    "other meter's balance": probe_other_meters_balance,
    "future stamp": probe_future_stamp,
    "calendar edges": probe_calendar_edges,
    "junk retained": probe_junk_retained,
    "tiny digit boxes": probe_tiny_digit_boxes,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--startup-s", type=float, default=90.0, help="wait for the hub at most")


def _demo_config(directory: Path, broker_port: int, web_port: int) -> Path:
    config = yaml.safe_load(default_config_text())
    config["mqtt"]["port"] = broker_port
    config["web"]["port"] = web_port
    config["storage"]["data_dir"] = str(directory / "data")
    for meter in config["simulator"]["meters"].values():
        if "frame_interval_s" in meter:
            meter["frame_interval_s"] = 2
    path = directory / "config.yml"
    path.write_text(yaml.safe_dump(config))
    return path


async def _listen(hub: Hub, ready: asyncio.Event) -> None:
    await hub.mqtt.subscribe(f"{hub.topics.prefix}/#", qos=1)
    ready.set()
    with contextlib.suppress(aiomqtt.MqttError):
        await _record(hub)


async def _record(hub: Hub) -> None:
    async for message in hub.mqtt.messages:
        topic = str(message.topic)
        if topic.endswith("/availability") and message.payload == b"offline":
            hub.findings.crashes.append(f"{topic} went offline")
        if topic in hub.seen:
            hub.seen[topic].put_nowait(bytes(message.payload))


async def _wait_for_first_reading(web: httpx.AsyncClient, deadline_s: float) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if (await web.get("/api/devices/pln/latest")).status_code == 200:
                return
        await asyncio.sleep(0.3)  # another process's HTTP server: nothing to wait on but it
    raise SystemExit(f"the hub read no pln frame within {deadline_s:g} s")


async def _probe(base: str, broker_port: int, demo: subprocess.Popen[str], args: Any) -> Findings:
    findings = Findings()
    async with (
        httpx.AsyncClient(base_url=base, timeout=120) as web,
        aiomqtt.Client("127.0.0.1", broker_port, identifier="meterhub-probe") as mqtt,
    ):
        await _wait_for_first_reading(web, args.startup_s)
        hub = Hub(web, mqtt, Topics(), findings)
        for device in ("pln", "p1"):
            for kind in ("rejected", "ocr"):
                hub.queue(hub.topics.device(kind, device))
        ready = asyncio.Event()
        listener = asyncio.create_task(_listen(hub, ready))
        await ready.wait()
        steps: dict[str, Callable[[], Awaitable[None]]] = {
            name: (lambda p=probe: p(hub)) for name, probe in PROBES.items()
        }
        steps["big bodies"] = lambda: probe_big_bodies(hub, base)
        steps["big publish"] = lambda: probe_big_publish(hub, broker_port)
        for name, step in steps.items():
            started = time.monotonic()
            print(f"probe: {name} …", flush=True)
            try:
                await step()
            except httpx.HTTPError as error:  # the server closed the connection: no answer
                findings.http_500.append(f"{name}: no answer ({error!r})")
            findings.probes[name] = time.monotonic() - started
        if not await _answered(hub, "pln"):
            findings.silent.append("pln answered no frame after the probes")
        healthz = await hub.get("/healthz")
        if healthz is None or healthz.status_code != 200:
            findings.crashes.append("/healthz not ok after the probes")
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
    if demo.poll() is not None:
        findings.crashes.append(f"the hub exited with {demo.returncode}")
    return findings


def _errors_logged(lines: list[str]) -> list[str]:
    """Distinct ERROR and CRITICAL lines of the hub's log, without their timestamps."""
    found: dict[str, None] = {}
    for line in lines:
        _, _, rest = line.partition(" ")
        if rest.startswith(("ERROR", "CRITICAL")):
            found[rest[:240]] = None
    return list(found)


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="meterhub-probe-") as tmp:
        broker_port, web_port = free_port(), free_port()
        config = _demo_config(Path(tmp), broker_port, web_port)
        log = (Path(tmp) / "hub.log").open("w")
        demo = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "--config", str(config), "demo"],
            cwd=tmp,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_for_port("127.0.0.1", web_port, args.startup_s, demo)
            findings = asyncio.run(_probe(f"http://127.0.0.1:{web_port}", broker_port, demo, args))
        except (httpx.HTTPError, aiomqtt.MqttError) as error:
            findings = Findings(crashes=[f"the hub stopped answering: {error!r}"])
        finally:
            demo.terminate()
            try:
                demo.wait(timeout=30)
            except subprocess.TimeoutExpired:
                demo.kill()
            log.close()
        lines = (Path(tmp) / "hub.log").read_text().splitlines()
        findings.crashes += [f"hub log: {line}" for line in _errors_logged(lines)]
        if findings.crashes or findings.silent:
            print("the hub's log ends:", *lines[-25:], sep="\n  ")
    summary = findings.summary()
    for name in ("crashes", "http_500", "spoofed", "silent", "accepted_junk"):
        print(f"{name:>14}: {summary[name]}  {summary['details'][name]}")
    print(f"{'healthz max':>14}: {summary['healthz_max_ms']} ms (stall above {STALL_MS:g} ms)")
    print(json.dumps(summary))
    bad = sum(summary[k] for k in ("crashes", "http_500", "spoofed", "silent", "accepted_junk"))
    return 1 if bad else 0
