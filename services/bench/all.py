"""`meterhub bench all`: every benchmark in turn, then one table of their headline figures.

Each runs as its own process (`meterhub bench <name>`), as a user would run it, and is
read by the one JSON line it ends with. ``--quick`` gives each a smaller job (fewer
readings, a shorter soak) for a first look; the figures are then rougher.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from . import BENCHMARKS

SELF = "all"
# Smaller jobs for --quick, by benchmark.
QUICK: dict[str, list[str]] = {
    "ingest": ["--readings", "20000"],
    "web": ["--minutes", "100000", "--requests", "30", "--live", "50"],
    "web-stall": ["--uploads", "5"],
    "live-view": ["--seconds", "5"],
    "ocr-frames": ["--frames", "500", "--no-workers"],
    "ocr-photos": ["--readers", ""],
    "soak": ["--minutes", "2", "--sample-s", "5"],
    "storage-size": ["--days", "2"],
}
# Benchmarks that need something only the user has.
NEEDS = {"ocr-digits": "a folder of labelled digit crops (meterhub bench ocr-digits DIR)"}


def _p1(r: dict[str, Any]) -> str:
    return f"{r['meterhub_per_s']:,} telegrams/s ({r['ratio']:.2f}× dsmr-parser alone)"


def _ingest(r: dict[str, Any]) -> str:
    ratio = f" ({r['ratio']:.2f}× a bare subscriber)" if "ratio" in r else ""
    return f"{r['readings_per_s']:,} readings/s stored{ratio}, p99 {r.get('p99_ms', '?')} ms"


def _ocr_frames(r: dict[str, Any]) -> str:
    return f"{r['accuracy']:.1%} of frames read right, median {r['median_ms']} ms/frame"


def _ocr_photos(r: dict[str, Any]) -> str:
    marked = [counts for by in r["scores"].values() for key, counts in by.items()
              if key == "meterhub/area"]  # fmt: skip
    right = sum(counts[0] for counts in marked)
    return (
        f"{right} of {r['photos']} real photos read right, display marked; "
        f"{r['meterhub_wrong']} wrong"
    )


def _ocr_digits(r: dict[str, Any]) -> str:
    return f"{r['accuracy']:.1%} of digits, {r['ms_per_digit']} ms/digit"


def _web(r: dict[str, Any]) -> str:
    worst = max(v["http"]["p95_ms"] for v in r["history"].values())
    live = f", live p95 {r['live']['p95_ms']:.1f} ms" if r.get("live") else ""
    return f"history p95 ≤ {worst:.1f} ms over {r['rows']:,} rows{live}"


def _storage_size(r: dict[str, Any]) -> str:
    return (
        f"{r['year_mb']:,.0f} MB for a year of one P1 meter "
        f"({r['year_rollups_mb']:,.0f} MB roll-ups, {r['year_raw_mb']:,.0f} MB raw)"
    )


def _soak(r: dict[str, Any]) -> str:
    memory = r["memory"]
    growth = f", RSS {memory['growth_mb']:+} MB after warm-up" if "growth_mb" in memory else ""
    return f"{r['lost']} lost of {r['in']:,} in {r['minutes']:g} min{growth}"


def _web_stall(r: dict[str, Any]) -> str:
    judged = [v for v in r["rounds"].values() if v["judged"]]
    p99, peak = max(v["p99_ms"] for v in judged), max(v["max_ms"] for v in judged)
    return f"/healthz during 30 MB uploads: p99 {p99} ms, max {peak} ms"


def _live_view(r: dict[str, Any]) -> str:
    gap = r["max_gap_s"]
    return f"{r['fps']} frames/s live ({r['ratio']:.2f}× the 1/s target), longest gap {gap} s"


def _probe(r: dict[str, Any]) -> str:
    counts = ("crashes", "http_500", "spoofed", "silent", "accepted_junk")
    found = ", ".join(f"{r[k]} {k.replace('_', ' ')}" for k in counts)
    return f"{found}; /healthz waited ≤ {r['healthz_max_ms']} ms"


HEADLINES: dict[str, Callable[[dict[str, Any]], str]] = {
    "p1": _p1,
    "ingest": _ingest,
    "ocr-frames": _ocr_frames,
    "ocr-digits": _ocr_digits,
    "ocr-photos": _ocr_photos,
    "web": _web,
    "web-stall": _web_stall,
    "live-view": _live_view,
    "storage-size": _storage_size,
    "soak": _soak,
    "probe": _probe,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="smaller jobs, rougher figures")
    parser.add_argument("--only", nargs="*", default=None, help="just these benchmarks")
    parser.add_argument("--timeout-s", type=float, default=3600.0, help="per benchmark")


def last_json(output: str) -> dict[str, Any] | None:
    for line in reversed(output.splitlines()):
        if line.startswith("{"):
            try:
                found = json.loads(line)
            except ValueError:
                continue
            if isinstance(found, dict):
                return found
    return None


def headline(name: str, result: dict[str, Any]) -> str:
    try:
        return HEADLINES[name](result)
    except (KeyError, TypeError, ValueError):  # a benchmark newer than this table
        numbers = {k: v for k, v in result.items() if isinstance(v, int | float) and k != "bench"}
        return ", ".join(f"{k} {v}" for k, v in list(numbers.items())[:3]) or "see its output"


def run_one(name: str, args: argparse.Namespace) -> tuple[str, str, float]:
    """(status, headline, seconds) of one benchmark run as its own process."""
    command = [sys.executable, "-m", "services.cli", "bench", name]
    command += QUICK.get(name, []) if args.quick else []
    began = time.monotonic()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=args.timeout_s, check=False
        )
    except subprocess.TimeoutExpired:
        return "timeout", f"no result within {args.timeout_s:g} s", time.monotonic() - began
    took = time.monotonic() - began
    result = last_json(done.stdout)
    if result is None:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return "failed", tail[0][:120], took
    status = "ok" if done.returncode == 0 else "missed"  # a target not met, figures stand
    return status, headline(name, result), took


def run(args: argparse.Namespace) -> int:
    names = [n for n in BENCHMARKS if n != SELF and (args.only is None or n in args.only)]
    rows = []
    for name in names:
        if name in NEEDS:
            rows.append((name, "skipped", f"needs {NEEDS[name]}", 0.0))
            continue
        print(f"running {name}...", file=sys.stderr, flush=True)
        rows.append((name, *run_one(name, args)))
    width = max(len(n) for n, *_ in rows) if rows else 4
    print(f"{'benchmark':<{width}}  {'result':<7}  {'time':>6}  headline")
    for name, status, text, took in rows:
        print(f"{name:<{width}}  {status:<7}  {took:>5.0f}s  {text}")
    results = {n: {"status": s, "headline": t} for n, s, t, _ in rows}
    print(json.dumps({"bench": SELF, "quick": args.quick, "results": results}))
    return 0 if all(status in ("ok", "skipped") for _, status, _, _ in rows) else 1
