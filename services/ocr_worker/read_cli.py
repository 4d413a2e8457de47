"""`meterhub ocr read IMAGE`: one photo through the worker's pipeline, on the command line.

The photo may be a JPEG, PNG, BMP or WebP; any but a JPEG is re-encoded as the gateway
does for the bus, so what is read here is what a worker would read from that file.

The display is described by a configured device (``--device``, with the ROIs marked for
it in the web page) or on the command line (``--kind``, ``--digits``, ``--decimals``,
``--roi`` for the display area). It prints what was read, writes the annotated image, and
ends with one JSON line: the ``Reading``, or the rejection with its reason. There is no
previous reading here, so no plausibility check; the worker makes those.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2

from ..core.config import load_config
from ..core.config.devices import OcrConfig
from ..core.images import ImageRefused, to_jpeg
from ..core.messages import OcrRois, Reading, Rejected, utc_now
from .pipeline import FramePipeline, Outcome, Rois

CLI_DEVICE = "cli"


def _box(text: str) -> tuple[int, int, int, int]:
    try:
        x, y, w, h = (int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("expected x,y,w,h in pixels: 110,47,420,190") from None
    if min(x, y) < 0 or min(w, h) <= 0:
        raise argparse.ArgumentTypeError("x and y must be 0 or more, w and h more than 0")
    return x, y, w, h


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image", type=Path, help="a photo of the display (JPEG, PNG, BMP or WebP)")
    parser.add_argument("--device", help="read it as this configured camera device")
    parser.add_argument("--kind", choices=["lcd7", "drum"], help="display kind (without --device)")
    parser.add_argument("--digits", type=int, help="digit positions on the display")
    parser.add_argument("--decimals", type=int, help="digits after the decimal point")
    parser.add_argument("--roi", type=_box, help="the display area x,y,w,h; digits are found in it")
    parser.add_argument(
        "--polarity", choices=["auto", "dark_on_light", "light_on_dark"], help="LCD or LED"
    )
    parser.add_argument("--rotation", type=float, help="degrees counter-clockwise to upright")
    parser.add_argument(
        "--annotated", type=Path, help="where to write the annotated image (default: beside it)"
    )
    parser.set_defaults(handler=run)


def _settings(args: argparse.Namespace) -> tuple[str, OcrConfig, Rois, Path]:
    """Device id, OCR settings, ROIs in force and data directory for this run."""
    overrides = {
        key: value
        for key, value in (
            ("display", args.kind),
            ("digits", args.digits),
            ("decimals", args.decimals),
            ("display_roi", args.roi),
            ("polarity", args.polarity),
            ("rotation_deg", args.rotation),
        )
        if value is not None
    }
    if args.device is None:
        missing = [name for name in ("kind", "digits", "decimals") if getattr(args, name) is None]
        if missing:
            raise SystemExit(f"without --device, give --{', --'.join(missing)}")
        quantity = "energy_import_kwh" if args.kind == "drum" else "token_balance_kwh"
        return CLI_DEVICE, OcrConfig(quantity=quantity, **overrides), Rois(), Path(".")
    config = load_config(args.config).config
    device = config.devices.get(args.device)
    if device is None or device.ocr is None:
        raise SystemExit(f"{args.device} is not a camera device in the config")
    ocr = OcrConfig.model_validate({**device.ocr.model_dump(), **overrides})
    rois = Rois()
    if args.roi is None:  # the ROIs marked in the web page, as the worker would use them
        try:
            marked = OcrRois.from_payload(
                OcrRois.file(config.storage.data_dir, args.device).read_bytes()
            )
            rois = Rois(marked.display, tuple(marked.digits), marked.updated)
        except (OSError, ValueError):
            pass
    return args.device, ocr, rois, config.storage.data_dir


def run(args: argparse.Namespace) -> int:
    cv2.setNumThreads(1)
    device, ocr, rois, data_dir = _settings(args)
    try:
        payload = args.image.read_bytes()
    except OSError as error:
        raise SystemExit(f"cannot read {args.image}: {error.strerror}") from None
    annotated = args.annotated or args.image.with_name(f"{args.image.stem}.annotated.jpg")
    try:
        jpeg = to_jpeg(payload)
    except ImageRefused as error:
        outcome = Outcome(None, str(error))
    else:
        pipeline = FramePipeline(data_dir, keep_images=False)
        outcome = pipeline.process(device, jpeg, ocr, rois, None, annotated_path=annotated)
    _describe(outcome, ocr, annotated)
    ts = utc_now()
    if outcome.read is None or outcome.reason is not None:
        reading = (
            {"digits": outcome.read.text, "value": outcome.read.value} if outcome.read else None
        )
        rejected = Rejected(
            device=device, ts=ts, source="ocr", reason=outcome.reason or "", reading=reading
        )
        print(rejected.to_payload().decode())
        return 1
    reading = Reading(
        device=device,
        ts=ts,
        source="ocr",
        values={ocr.quantity: outcome.read.value},
        confidence=round(min(outcome.read.confidences), 4) if outcome.read.confidences else None,
        frame_id=args.image.name,
    )
    print(reading.to_payload().decode())
    return 0


def _describe(outcome: Outcome, ocr: OcrConfig, annotated: Path) -> None:
    shown = f"{ocr.display}, {ocr.digits} digits, {ocr.decimals} after the point"
    print(f"display:    {shown}")
    read = outcome.read
    if read is not None:
        confidences = " ".join(f"{c:.2f}" for c in read.confidences)
        print(f"read by:    {read.method}")
        print(f"digits:     {read.text}   (confidence {confidences})")
        print(f"value:      {read.value:.{ocr.decimals}f}")
    if outcome.reason is not None:
        print(f"rejected:   {outcome.reason}")
    print(f"time:       {outcome.elapsed_ms:.1f} ms")
    if "annotate" in outcome.timings_ms:
        print(f"annotated:  {annotated}")
    sys.stdout.flush()
