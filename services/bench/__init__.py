"""`meterhub bench <name>`: each benchmark lives with its service and registers here.

A benchmark prints its numbers next to a baseline measured in the same run, and ends
with one JSON line, so results compare across machines and commits.
"""

from __future__ import annotations

import argparse
import importlib

# name -> (module with ``add_arguments(parser)`` and ``run(args) -> int``, help)
BENCHMARKS: dict[str, tuple[str, str]] = {
    "p1": (
        "services.bench.p1",
        "P1 telegrams/s through Meterhub's path next to dsmr-parser alone",
    ),
    "ingest": (
        "services.bench.ingest",
        "readings/s committed to SQLite by storage next to a bare MQTT subscriber",
    ),
    "storage-size": (
        "services.bench.storage_size",
        "SQLite size of a year of one P1 meter under the retention settings (measured rows)",
    ),
    "ocr-digits": (
        "services.bench.ocr_digits",
        "digit classifier accuracy and ms/digit on labelled crops next to tesseract and ssocr",
    ),
    "ocr-frames": (
        "services.bench.ocr_frames",
        "whole-frame OCR accuracy, ms/frame and 1 vs 2 workers on Mosquitto, next to tesseract",
    ),
    "ocr-photos": (
        "services.bench.ocr_photos",
        "whole readings on labelled photos (DIR/labels.csv) next to tesseract, ssocr, general OCR",
    ),
    "ocr-teach": (
        "services.bench.ocr_teach",
        "corrections a meter needs before its own model reads a look the shipped one misreads",
    ),
    "web": (
        "services.bench.web_history",
        "history p95 over HTTP for a year of minute data (1h, 1d); bus → SSE latency",
    ),
    "web-stall": (
        "services.bench.web_stall",
        "/healthz latency on the shared event loop during 30 MB uploads to the web app",
    ),
    "live-view": (
        "services.bench.live_view",
        "frames/s the meter page's live view (SSE) delivers from a simulated camera, vs 1/s",
    ),
    "soak": (
        "services.bench.soak",
        "50 simulated meters against `run all` for N minutes: readings in vs stored, RSS, restarts",
    ),
    "probe": (
        "services.bench.probe",
        "the demo hub probed as a broken device or hostile client: crashes, 500s, spoofs, stalls",
    ),
    "all": ("services.bench.all", "every benchmark in turn, then one table of headline figures"),
}


def register(group: argparse.ArgumentParser) -> None:
    benches = group.add_subparsers(dest="bench", required=True)
    for name, (module_name, help_text) in BENCHMARKS.items():
        module = importlib.import_module(module_name)
        parser = benches.add_parser(name, help=help_text)
        module.add_arguments(parser)
        parser.set_defaults(handler=module.run)
