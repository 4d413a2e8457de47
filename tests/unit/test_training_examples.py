"""Labels for corrected frames, and the frames the worker keeps for them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.core.config.devices import OcrConfig
from services.domain.recent_frames import FrameRecord, RecentFrames
from services.domain.training_examples import BadLabel, TrainingExamples, label_digits

LCD = OcrConfig(display="lcd7", digits=6, decimals=2)
DRUM = OcrConfig(display="drum", digits=7, decimals=1, quantity="energy_import_kwh")
TS = datetime(2026, 11, 22, 5, tzinfo=UTC)


def test_a_label_has_one_digit_per_box_read():
    assert label_digits(126.99, LCD, boxes=5) == "12699"  # the LCD blanked the leading zero
    assert label_digits(126.99, LCD, boxes=6) == "012699"
    assert label_digits(42.5, DRUM) == "0000425"  # no boxes: the drum's digit count
    assert label_digits(1234.56, LCD, boxes=5) == "123456"  # boxes missed one: all digits kept


@pytest.mark.parametrize(
    ("value", "why"),
    [(-1.0, "negative"), (1.234, "2 decimals"), (123456.0, "6 digits")],
)
def test_a_value_the_display_cannot_show_is_refused_with_the_reason(value, why):
    with pytest.raises(BadLabel, match=why):
        label_digits(value, LCD)


def test_only_the_newest_frames_are_kept_and_ids_must_name_files(tmp_path):
    recent = RecentFrames(tmp_path, keep=3)
    for index in range(5):
        assert recent.add("pln", b"jpeg%d" % index, FrameRecord(frame_id=f"f{index}", ts=TS))
    kept = sorted(p.stem for p in recent.folder("pln").glob("*.jpg"))
    assert kept == ["f2", "f3", "f4"]
    assert recent.newest("pln").frame_id == "f4"
    assert recent.get("pln", "f0") is None
    assert not recent.add("pln", b"x", FrameRecord(frame_id="../escape", ts=TS))
    assert recent.get("pln", "../f3") is None


def test_examples_are_listed_newest_first_and_deleted(tmp_path):
    recent, store = RecentFrames(tmp_path), TrainingExamples(tmp_path)
    for name in ("a", "b"):
        recent.add(
            "pln", name.encode(), FrameRecord(frame_id=name, ts=TS, boxes=[(0, 0, 5, 9)] * 5)
        )
        jpeg, record = recent.get("pln", name)
        store.add("pln", jpeg, record, 126.99, LCD, "ana", "web")
    assert [e.id for e in store.list("pln")] == ["b", "a"]
    assert store.image("pln", "a") == b"a" and store.delete("pln", "a")
    assert not store.delete("pln", "a") and not store.delete("pln", "../b")
    assert [e.id for e in store.list("pln")] == ["b"]
