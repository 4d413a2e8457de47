"""`meterhub bench live-view`: frames per second the meter page's live view delivers.

A real hub on a real Mosquitto (web and the simulated PLN camera, which answers each
capture the live view asks for with a frame), one client on ``GET /api/devices/<id>/live``
(the server-sent events the page reads) for ``--seconds``: frames received and their rate
from the first to the last, against the target of one frame per second at the default
``web.live_view_interval_s`` of 1 s. Bounded: the run ends after ``--seconds`` plus the
start-up allowance whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import tempfile
import time
from pathlib import Path

import httpx

from ..core.config import MeterhubConfig
from ..core.runtime import run_services
from ..core.runtime.health import Health
from ..registry import service_spec
from ..tools.broker_process import MosquittoProcess, free_port

TARGET_FPS = 1.0
DEVICE = "pln"
STARTUP_S = 60.0  # for the web port to answer and the first frame to come


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to watch")
    parser.add_argument(
        "--interval", type=float, default=1.0, help="web.live_view_interval_s (0.2 to 60)"
    )


def _config(broker: MosquittoProcess, root: Path, port: int, interval: float) -> MeterhubConfig:
    return MeterhubConfig.model_validate({
        "mqtt": {"host": broker.host, "port": broker.port},
        "storage": {"data_dir": str(root / "data")},
        "web": {"host": "127.0.0.1", "port": port, "live_view_interval_s": interval,
                "discover_boards": False},
        "devices": {DEVICE: {"kind": "camera", "ocr": {"display": "lcd7", "digits": 6,
                                                       "decimals": 2}}},
        # The camera's own timer far slower than the live view: what is counted is what
        # the live view's captures bring.
        "simulator": {"enabled": True, "meters": {
            DEVICE: {"type": "prepaid_camera", "balance_kwh": 127.0, "frame_interval_s": 600}}},
    })  # fmt: skip


async def _watch(url: str, seconds: float) -> list[float]:
    """Arrival times (monotonic) of the frames one live view got in ``seconds``."""
    arrivals: list[float] = []
    deadline = time.monotonic() + STARTUP_S
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        while time.monotonic() < deadline:  # the web service is still starting
            try:
                if (await client.get("/healthz")).status_code in (200, 503):
                    break
            except httpx.TransportError:
                await asyncio.sleep(0.2)  # nothing to wait on but the port opening
        async with client.stream("GET", f"/api/devices/{DEVICE}/live") as stream:
            stream.raise_for_status()
            end = None
            async for line in stream.aiter_lines():
                now = time.monotonic()
                if line.startswith("event: frame"):
                    arrivals.append(now)
                    end = end or now + seconds  # watched from the first frame on
                if (end and now >= end) or now >= deadline + seconds:
                    break
    return arrivals


async def measure(seconds: float, interval: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="meterhub-live-") as tmp:
        root = Path(tmp)
        with MosquittoProcess(data_dir=root / "mosquitto") as broker:
            port = free_port()
            config = _config(broker, root, port, interval)
            stop = asyncio.Event()
            specs = [service_spec("web"), service_spec("simulator")]
            services = asyncio.create_task(run_services(config, specs, stop=stop, health=Health()))
            try:
                watching = _watch(f"http://127.0.0.1:{port}", seconds)
                arrivals = await asyncio.wait_for(watching, STARTUP_S + seconds + 10)
            finally:
                stop.set()
                await asyncio.wait_for(services, 30)
    span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0
    fps = (len(arrivals) - 1) / span if span > 0 else 0.0
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    return {
        "bench": "live-view",
        "interval_s": interval,
        "watched_s": round(span, 2),
        "frames": len(arrivals),
        "fps": round(fps, 2),
        "max_gap_s": round(max(gaps), 2) if gaps else None,
        "target_fps": TARGET_FPS,
        "ratio": round(fps / TARGET_FPS, 2),
        "met": fps >= TARGET_FPS,
    }


def run(args: argparse.Namespace) -> int:
    result = asyncio.run(measure(args.seconds, args.interval))
    print(f"live view of a simulated camera, a capture asked every {args.interval:g} s")
    print(f"  frames received  {result['frames']} in {result['watched_s']} s")
    print(f"  frames/s         {result['fps']}  (target ≥ {TARGET_FPS:g}: "
          f"{result['ratio']}× the target)")  # fmt: skip
    print(f"  longest gap      {result['max_gap_s']} s")
    print(json.dumps(result))
    return 0 if result["met"] else 1
