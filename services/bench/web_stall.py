"""`meterhub bench web-stall`: does one large upload stall the loop every service shares?

A real web server on 127.0.0.1 (uvicorn, login on, in a thread of its own: the event
loop that ``meterhub run all`` shares between all services) takes 30 MB uploads to
``PUT /api/devices/<dev>/rois`` while ``/healthz`` is asked again and again; each
``/healthz`` answer's latency is what any other service on that loop would wait.

Rounds: idle (no upload, the baseline), the app as shipped with a declared length, a
streamed (chunked) body and no credential, and, with ``--uncapped``, the same app with
its body caps taken out (what it did before them: the body read whole and parsed on
the loop). Target: ``/healthz`` p99 during uploads under 100 ms; the max is printed too,
next to the idle round's (a full garbage collection of the server process, 60–120 ms
on a busy 2-core machine, lands in either).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import functools
import json
import multiprocessing
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from ..core.config import MeterhubConfig
from ..web.app import create_app
from ..web.auth import hash_password
from ..web.body_limits import BodyLimit

TARGET_P99_MS = 100.0
UPLOAD_BYTES = 30 * 1024 * 1024
CHUNK = 64 * 1024
DEVICE = "bench"
TOKEN = "bench-token-" + "x" * 24
PATH = f"/api/devices/{DEVICE}/rois"
# A valid JSON body of any length: digit boxes, as a large ROI upload would be.
BOX = b"[10,10,20,30],"
IDLE_SAMPLES = 500  # the baseline: as many as an upload round takes, to show the noise
Upload = tuple[int, bool, bool]  # bytes, with the API token, chunked


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--uploads", type=int, default=20, help="uploads per round")
    parser.add_argument("--megabytes", type=int, default=30, help="size of each upload")
    parser.add_argument(
        "--uncapped", action="store_true", help="also time the app without its body caps"
    )


def bench_config(data_dir: Path) -> MeterhubConfig:
    return MeterhubConfig.model_validate(
        {
            "storage": {"data_dir": str(data_dir)},
            "web": {"host": "127.0.0.1", "port": 0,
                    "login": {"password_hash": hash_password("bench", log2_n=10),
                              "api_tokens": [TOKEN]}},
            "devices": {DEVICE: {"kind": "camera",
                                 "ocr": {"display": "lcd7", "digits": 6, "decimals": 2}}},
        }
    )  # fmt: skip


class BenchServer:
    """uvicorn in a thread with its own event loop, on a port bound before it starts."""

    def __init__(self, config: MeterhubConfig, *, capped: bool) -> None:
        app = create_app(config)
        if not capped:
            app.user_middleware = [m for m in app.user_middleware if m.cls is not BodyLimit]
        # IPPROTO_TCP named, so asyncio sets TCP_NODELAY on each connection as it does on
        # the sockets uvicorn opens itself (without it, delayed ACKs add 40 ms a request).
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.port = self.socket.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    def __enter__(self) -> BenchServer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)
        self.socket.close()


@functools.cache
def _body(size: int) -> bytes:
    """Made once: building 30 MB per upload would hold the GIL the server thread needs."""
    return b'{"digits":[' + BOX * ((size - 20) // len(BOX)) + b"[1,1,1,1]]}"


def upload(port: int, size: int, *, token: bool, chunked: bool) -> str:
    """One upload of ``size`` bytes, sent as fast as the server takes it; its status line
    (or how the server ended it)."""
    head = f"PUT {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
    if token:
        head += f"Authorization: Bearer {TOKEN}\r\n"
    head += "Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {size}\r\n"
    body = b'{"digits":[' + BOX * ((size - 20) // len(BOX)) + b"[1,1,1,1]]}"
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        try:
            sock.sendall(head.encode() + b"\r\n")
            for at in range(0, len(body), CHUNK):
                piece = body[at : at + CHUNK]
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed before the whole body was sent
        try:
            status = sock.makefile("rb").readline().decode().strip()
        except OSError as error:
            return f"closed ({type(error).__name__})"
    return " ".join(status.split()[1:2]) or "closed"


def _ready(size: int) -> None:
    """Run once in the uploader before timing: its imports and its body cost nothing later."""
    _body(size)


def _uploads(port: int, size: int, token: bool, chunked: bool, count: int) -> list[str]:
    return [upload(port, size, token=token, chunked=chunked) for _ in range(count)]


def _round(port: int, uploads: int, kind: Upload | None) -> dict[str, Any]:
    """``/healthz`` asked back to back while another process sends ``uploads`` uploads
    (its own process: an uploader sharing ours would hold the GIL the server needs)."""
    latencies: list[float] = []
    statuses: list[str] = []
    context = multiprocessing.get_context("spawn")
    with (
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client,
        concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool,
    ):
        client.get("/healthz").raise_for_status()  # connected and warm
        pool.submit(_ready, kind[0] if kind else 0).result()
        sending = pool.submit(_uploads, port, *kind, uploads) if kind else None
        while (sending is not None and not sending.done()) or len(latencies) < IDLE_SAMPLES:
            began = time.perf_counter()
            client.get("/healthz").raise_for_status()
            latencies.append((time.perf_counter() - began) * 1000)
        if sending is not None:
            statuses = sending.result()
    ordered = sorted(latencies)
    return {
        "healthz": len(latencies),
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 2),
        "max_ms": round(ordered[-1], 2),
        "statuses": sorted(set(statuses)),
    }


def run(args: argparse.Namespace) -> int:
    size = args.megabytes * 1024 * 1024
    # name -> (body caps on, (size, with a token, chunked) or None: no upload)
    rounds: dict[str, tuple[bool, Upload | None]] = {
        "idle (baseline)": (True, None),
        "declared length": (True, (size, True, False)),
        "streamed (chunked)": (True, (size, True, True)),
        "no credential": (True, (size, False, True)),
    }
    if args.uncapped:
        rounds["without the caps"] = (False, (size, True, False))
    print(f"web-stall: /healthz latency while {args.uploads} uploads of {args.megabytes} MB "
          f"go to PUT {PATH} (login on), server on 127.0.0.1 in its own event loop")  # fmt: skip
    results: dict[str, Any] = {}
    ok = True
    with tempfile.TemporaryDirectory() as scratch:
        config = bench_config(Path(scratch))
        for name, (capped, kind) in rounds.items():
            with BenchServer(config, capped=capped) as server:
                uploads = args.uploads if capped else min(args.uploads, 3)
                result = _round(server.port, uploads, kind)
            result["judged"] = capped and kind is not None  # the app as shipped, uploading
            results[name] = result
            ok = ok and (not result["judged"] or result["p99_ms"] < TARGET_P99_MS)
            answered = ", ".join(result["statuses"]) or "-"
            print(f"  {name:<20} /healthz p50 {result['p50_ms']:7.2f} ms  p95 "
                  f"{result['p95_ms']:7.2f} ms  p99 {result['p99_ms']:7.2f} ms  "
                  f"max {result['max_ms']:8.2f} ms  "
                  f"({result['healthz']} asked; uploads answered {answered})")  # fmt: skip
    verdict = "met" if ok else "MISSED"
    print(f"  target: /healthz p99 during uploads < {TARGET_P99_MS:.0f} ms: {verdict}")
    print(json.dumps({"bench": "web-stall", "upload_bytes": size, "rounds": results,
                      "target_p99_ms": TARGET_P99_MS, "met": ok}))  # fmt: skip
    return 0 if ok else 1
