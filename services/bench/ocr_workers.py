"""Frames per second through real Mosquitto with one, then two OCR worker processes in
``$share/ocr`` (``meterhub bench ocr-frames`` runs this after the in-process part).

Each run starts a fresh broker and ``meterhub run ocr_worker`` processes (each with its
own client id suffix, so each keeps its own persistent session), warms them up, then
publishes the frames as a camera fleet would and times from the first frame sent to the
last reading or rejection received.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from ..core.config.devices import OcrConfig
from ..core.config.mqtt import MqttConfig
from ..core.messages import new_id
from ..core.runtime import Bus, IncomingMessage
from ..tools.broker_process import MosquittoProcess

if TYPE_CHECKING:
    from .ocr_frames import BenchFrame

DEVICES = {"lcd": "pln", "led": "led", "drum": "ferraris"}
START_TIMEOUT_S = 60.0


def scaling(
    frames: list[BenchFrame], settings: dict[str, OcrConfig], count: int, workdir: Path
) -> dict[str, object]:
    plausible = [f for f in frames if not f.implausible][:count]
    rates = {}
    for workers in (1, 2):
        rates[workers] = _run(plausible, settings, workers, workdir / f"w{workers}")
        print(f"  {workers} worker process(es) on the broker: {rates[workers]:6.1f} frames/s")
    ratio = rates[2] / rates[1]
    print(
        f"  two workers / one: {ratio:.2f}× (target ≥ 1.7; {os.cpu_count()} cores, shared with "
        f"whatever else runs: load {os.getloadavg()[0]:.1f})"
    )
    return {
        "frames": len(plausible),
        "one_worker_fps": round(rates[1], 2),
        "two_workers_fps": round(rates[2], 2),
        "ratio": round(ratio, 3),
        "cores": os.cpu_count(),
    }


def _config(port: int, data_dir: Path, settings: dict[str, OcrConfig], suffix: str) -> dict:
    devices = {
        DEVICES[kind]: {"kind": "camera", "ocr": ocr.model_dump(mode="json", exclude_none=True)}
        for kind, ocr in settings.items()
    }
    return {
        "mqtt": {"host": "127.0.0.1", "port": port, "client_id_suffix": suffix},
        "storage": {"data_dir": str(data_dir)},
        "web": {"enabled": False},
        "simulator": {"enabled": False, "meters": {}},
        "logging": {"level": "INFO"},
        "devices": devices,
    }


def _run(
    frames: list[BenchFrame], settings: dict[str, OcrConfig], workers: int, workdir: Path
) -> float:
    workdir.mkdir(parents=True, exist_ok=True)
    with MosquittoProcess(data_dir=workdir / "mosquitto") as broker:
        processes, logs = [], []
        for index in range(workers):
            path = workdir / f"worker{index}.yml"
            config = _config(broker.port, workdir / "data", settings, f"-bench{index}")
            path.write_text(yaml.safe_dump(config))
            command = [sys.executable, "-m", "services.cli", "-c", str(path), "run", "ocr_worker"]
            logs.append(workdir / f"worker{index}.log")
            with logs[-1].open("w") as log:
                processes.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT))
        try:
            _ready(logs)
            return asyncio.run(_stream(broker.port, frames, workers))
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


def _ready(logs: list[Path]) -> None:
    """Until every worker logged both of its connections (frames, and the state it
    follows): a worker subscribing late would leave the first frames to the others."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while not all(log.read_text().count(" connected ") >= 2 for log in logs):
        if time.monotonic() > deadline:
            raise TimeoutError(f"workers did not connect; see {logs[0].parent}")
        time.sleep(0.1)


async def _stream(port: int, frames: list[BenchFrame], workers: int) -> float:
    done: dict[str, float] = {}
    arrived = asyncio.Event()
    expected: set[str] = set()

    async def outcome(message: IncomingMessage) -> None:
        body = json.loads(message.payload)
        frame_id = body.get("frame_id") or (body.get("reading") or {}).get("frame_id")
        if frame_id:
            done[frame_id] = time.perf_counter()
            if expected and expected <= done.keys():
                arrived.set()

    bus = Bus(MqttConfig(host="127.0.0.1", port=port), "bench-camera")
    bus.subscribe("meterhub/+/reading", outcome)
    bus.subscribe("meterhub/+/rejected", outcome)
    task = asyncio.create_task(bus.run())
    try:
        await asyncio.wait_for(bus.connected.wait(), 10)
        # Warm-up: a few frames per worker until every worker has answered once (imports,
        # model loading, the retained-state sync are not what is measured).
        warm = [await _send(bus, frames[i % len(frames)]) for i in range(4 * workers)]
        expected.update(warm)
        await asyncio.wait_for(arrived.wait(), START_TIMEOUT_S)
        arrived.clear()
        expected.clear()
        started = time.perf_counter()
        ids = [await _send(bus, frame) for frame in frames]
        expected.update(ids)
        if not expected <= done.keys():
            await asyncio.wait_for(arrived.wait(), 30 + 0.5 * len(frames))
        return len(ids) / (max(done[i] for i in ids) - started)
    finally:
        await bus.stop()
        await asyncio.wait_for(task, 10)


async def _send(bus: Bus, frame: BenchFrame) -> str:
    frame_id = new_id()
    await bus.publish(
        f"meterhub/{DEVICES[frame.kind]}/frame",
        frame.jpeg,
        user_properties={"ts": "2026-11-22T05:00:00Z", "frame_id": frame_id},
    )
    return frame_id


if __name__ == "__main__":  # pragma: no cover - run through `meterhub bench ocr-frames`
    sys.exit("run: meterhub bench ocr-frames")
