"""`meterhub bench ocr-photos DIR`: a folder of labelled photos, in any format the gateway
takes, read by Meterhub given nothing, a loose and a tight display area, beside other
OCRs. The photos here are polygons frames written as PNG and BMP, so the folder is read as
a user's would be without shipping photos in the tests."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from services.bench.ocr_photos import LABELS, load_cases
from services.cli import main
from services.ocr_training.display_frames import display_frame

FIELDS = ["file", "text", "kind", "digits", "decimals", "x0", "y0", "x1", "y1", "note"]


def _write_folder(folder: Path, rows: list[dict]) -> None:
    with (folder / LABELS).open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    rng = np.random.default_rng(5)
    rows = []
    for i, (style, suffix) in enumerate([("lcd", "png"), ("inverse", "bmp"), ("led", "png")]):
        frame = display_frame("polygons", style, rng)
        image = cv2.imdecode(np.frombuffer(frame.jpeg, np.uint8), cv2.IMREAD_COLOR)
        name = f"photo{i}.{suffix}"
        cv2.imwrite(str(tmp_path / name), image)
        x, y, w, h = frame.display
        rows.append({"file": name, "text": f"{frame.value:.{frame.decimals}f}", "kind": style,
                     "digits": frame.digits, "decimals": frame.decimals,
                     "x0": x, "y0": y, "x1": x + w, "y1": y + h, "note": ""})  # fmt: skip
    _write_folder(tmp_path, rows)
    return tmp_path


def test_every_photo_is_scored_by_each_way_of_marking_it(photos: Path, capsys) -> None:
    code = main(["bench", "ocr-photos", str(photos), "--readers", "ssocr"])
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["bench"] == "ocr-photos" and result["photos"] == 3
    assert set(result["scores"]) == {"lcd", "inverse", "led"}
    for by_reader in result["scores"].values():
        assert set(by_reader) == {
            "meterhub/nothing", "meterhub/loose", "meterhub/area", "ssocr/nothing", "ssocr/area"
        }  # fmt: skip
        assert all(sum(counts) == 1 for counts in by_reader.values())
    assert result["meterhub_wrong"] == 0 and code == 0
    right = sum(result["scores"][style]["meterhub/area"][0] for style in result["scores"])
    assert right >= 2  # frames of a renderer the shipped models learned


def test_a_drum_counter_is_read_in_its_marked_window(tmp_path: Path) -> None:
    image = np.full((240, 320, 3), 200, np.uint8)
    cv2.imwrite(str(tmp_path / "drum.webp"), image)
    _write_folder(tmp_path, [{"file": "drum.webp", "text": "00127.5", "kind": "drum",
                              "digits": 6, "decimals": 1, "x0": 40, "y0": 90, "x1": 280,
                              "y1": 140, "note": ""}])  # fmt: skip
    (case,) = load_cases(tmp_path)
    assert case.ocr.display == "drum" and case.ocr.display_roi == (40, 90, 240, 50)
    assert case.size == (320, 240) and case.value == 127.5 and case.jpeg[:2] == b"\xff\xd8"


@pytest.mark.parametrize(
    ("nudge", "left", "top"),
    [((0, 7), 40, 97), ((0, -20), 40, 70), ((-100, -100), 0, 0), ((9, 200), 49, 190),
     ((90, 0), 80, 90)],
)  # fmt: skip
def test_a_nudged_box_moves_and_stays_inside_its_photo(
    tmp_path: Path, nudge: tuple[int, int], left: int, top: int
) -> None:
    cv2.imwrite(str(tmp_path / "drum.png"), np.full((240, 320, 3), 200, np.uint8))
    _write_folder(tmp_path, [{"file": "drum.png", "text": "00127.5", "kind": "drum",
                              "digits": 6, "decimals": 1, "x0": 40, "y0": 90, "x1": 280,
                              "y1": 140, "note": ""}])  # fmt: skip
    (case,) = load_cases(tmp_path, nudge)
    assert case.area == case.ocr.display_roi == (left, top, 240, 50)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"text": "12.3"}, "not a number with 2 decimals"),
        ({"text": "1234567.89"}, "more digits than the display's 6"),
        ({"x1": "10"}, "x0 < x1"),
        ({"kind": "nixie"}, "kind"),
        ({"file": "missing.png"}, "missing.png"),
    ],
)
def test_a_label_that_does_not_hold_up_stops_the_run_naming_its_line(
    tmp_path: Path, change: dict, says: str
) -> None:
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((60, 80, 3), np.uint8))
    row = {"file": "a.png", "text": "12.34", "kind": "lcd", "digits": 6, "decimals": 2,
           "x0": 20, "y0": 10, "x1": 60, "y1": 40, "note": ""}  # fmt: skip
    _write_folder(tmp_path, [{**row, **change}])
    with pytest.raises(SystemExit) as stopped:
        load_cases(tmp_path)
    assert "line 2" in str(stopped.value) and says in str(stopped.value)


def test_a_folder_without_labels_is_refused_by_name(tmp_path: Path, capsys) -> None:
    assert main(["bench", "ocr-photos", str(tmp_path), "--readers", ""]) == 2
    assert LABELS in capsys.readouterr().err


def test_the_shipped_photos_are_labelled_so_the_bench_can_read_every_one() -> None:
    """The real photos in the repository: every row holds up, each file decodes, each
    glass lies inside its photo, and every kind the worker reads is there."""
    from services.bench.ocr_photos import SHIPPED_PHOTOS

    cases = load_cases(SHIPPED_PHOTOS)
    assert {case.style for case in cases} == {"lcd", "inverse", "led", "drum"}
    for case in cases:
        x, y, w, h = case.area
        assert x + w <= case.size[0] and y + h <= case.size[1]
    assert any(case.ocr.rotation_deg == 180 for case in cases)  # upside-down meters
