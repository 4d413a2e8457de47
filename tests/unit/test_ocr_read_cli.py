"""`meterhub ocr read`: one photo in, the reading (or the reason) as the last line, and the
annotated image beside the photo."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest
import yaml

from services.core.config.simulator import FrameEffects
from services.core.messages import OcrRois, Reading, Rejected
from services.ocr_worker import read_cli
from services.simulator.lcd import encode_jpeg, render_lcd_frame
from tests.image_helpers import FORMATS, bomb_png, encoded


def ocr_read(*argv: str, config: str | None = None) -> int:
    parser = argparse.ArgumentParser(prog="meterhub ocr read")
    read_cli.add_arguments(parser)
    args = parser.parse_args(argv)
    args.config = config
    return args.handler(args)


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "meter.jpg"
    rng = np.random.default_rng(4)
    path.write_bytes(encode_jpeg(render_lcd_frame("127.03", 6, FrameEffects(blur=0.5), rng)))
    return path


def test_prints_the_reading_last_and_writes_the_annotated_image(photo, capsys):
    assert ocr_read(str(photo), "--kind", "lcd7", "--digits", "6", "--decimals", "2") == 0
    lines = capsys.readouterr().out.strip().splitlines()
    reading = Reading.from_payload(lines[-1])
    assert reading.values == {"token_balance_kwh": 127.03} and reading.source == "ocr"
    assert any(line.startswith("digits:") and "12703" in line for line in lines)
    assert (photo.parent / "meter.annotated.jpg").read_bytes()[:2] == b"\xff\xd8"


def test_a_display_roi_elsewhere_ends_with_the_rejection_and_its_reason(photo, capsys):
    code = ocr_read(
        str(photo), "--kind", "lcd7", "--digits", "6", "--decimals", "2", "--roi", "0,300,200,100"
    )
    assert code == 1
    rejected = Rejected.from_payload(capsys.readouterr().out.strip().splitlines()[-1])
    assert "no LCD display found" in rejected.reason


def test_a_device_reads_with_its_config_and_the_rois_marked_for_it(photo, tmp_path, capsys):
    data = tmp_path / "data"
    config = tmp_path / "config.yml"
    keypad = [150, 240, 260, 220]  # the config's display ROI is on the keypad
    ocr = {"digits": 6, "decimals": 2, "display_roi": keypad}
    config.write_text(
        yaml.safe_dump(
            {
                "storage": {"data_dir": str(data)},
                "devices": {"pln": {"kind": "camera", "ocr": ocr}},
            }
        )
    )
    assert ocr_read(str(photo), "--device", "pln", config=str(config)) == 1
    capsys.readouterr()
    marked = OcrRois.file(data, "pln")
    marked.parent.mkdir(parents=True)
    marked.write_bytes(
        OcrRois(display=(110, 47, 420, 190), updated="2026-11-22T05:00:00Z").to_payload()
    )
    assert ocr_read(str(photo), "--device", "pln", config=str(config)) == 0
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["device"] == "pln" and last["values"] == {"token_balance_kwh": 127.03}


def test_bad_input_is_a_rejection_not_a_crash(tmp_path, capsys):
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"GIF89a" + bytes(64))
    assert ocr_read(str(junk), "--kind", "drum", "--digits", "7", "--decimals", "1") == 1
    reason = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["reason"]
    assert reason == "not an image format taken here (GIF; JPEG, PNG, BMP, WebP)"
    with pytest.raises(SystemExit, match="give --digits"):
        ocr_read(str(junk), "--kind", "lcd7")


@pytest.mark.parametrize("name", list(FORMATS))
def test_a_photo_in_any_format_taken_is_read(name, tmp_path, capsys):
    rng = np.random.default_rng(4)
    image = render_lcd_frame("127.03", 6, FrameEffects(blur=0.5), rng)
    path = tmp_path / f"meter{FORMATS[name]}"
    path.write_bytes(encoded(image, name))
    assert ocr_read(str(path), "--kind", "lcd7", "--digits", "6", "--decimals", "2") == 0
    reading = Reading.from_payload(capsys.readouterr().out.strip().splitlines()[-1])
    assert reading.values == {"token_balance_kwh": 127.03}
    assert (tmp_path / "meter.annotated.jpg").read_bytes()[:2] == b"\xff\xd8"


def test_a_decompression_bomb_is_refused_before_decoding(tmp_path, capsys):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(bomb_png(20_000, 20_000))
    assert ocr_read(str(bomb), "--kind", "lcd7", "--digits", "6", "--decimals", "2") == 1
    rejected = Rejected.from_payload(capsys.readouterr().out.strip().splitlines()[-1])
    assert rejected.reason == "PNG of 20000x20000 pixels exceeds the cap of 40 megapixels"
