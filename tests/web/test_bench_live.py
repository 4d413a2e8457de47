"""`meterhub bench live-view` runs end to end on a tiny budget (real Mosquitto, web and the
simulated camera) and reports what it counted; the rate itself is the benchmark's job."""

from __future__ import annotations

import json

import pytest

from services.cli import main

pytestmark = pytest.mark.slow


def test_the_live_view_bench_counts_frames_and_prints_its_ratio(capsys) -> None:
    code = main(["bench", "live-view", "--seconds", "2", "--interval", "0.5"])
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert result["bench"] == "live-view" and result["target_fps"] == 1.0
    assert result["frames"] >= 2 and result["fps"] > 0
    assert result["ratio"] == round(result["fps"] / 1.0, 2)
    assert code == (0 if result["met"] else 1)
    assert any("frames/s" in line for line in lines)
