"""`meterhub bench ingest` runs end to end on a small load and ends with its JSON line.

Speed is not asserted here (that is what the benchmark reports); this keeps it working.
"""

from __future__ import annotations

import argparse
import json

import pytest

from services.bench import ingest as bench
from services.bench import storage_size as bench_size


def test_ingest_benchmark_commits_every_reading_and_prints_the_summary(capsys):
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    args = parser.parse_args(["--readings", "2000", "--devices", "3", "--queue"])
    assert bench.run(args) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    summary = json.loads(lines[-1])
    assert set(summary) == {"readings_per_s", "raw_per_s", "bus_per_s", "ratio", "p99_ms"}
    # The ratio is of the unrounded rates; the printed rates are rounded to whole readings/s.
    expected = summary["readings_per_s"] / summary["raw_per_s"]
    assert summary["ratio"] == pytest.approx(expected, rel=0.01)
    assert [line.split()[0] for line in lines[1:-1]] == ["raw", "bus", "storage"]


def test_storage_size_benchmark_projects_a_year_from_measured_rows(capsys):
    parser = argparse.ArgumentParser()
    bench_size.add_arguments(parser)
    assert bench_size.run(parser.parse_args(["--days", "2", "--interval-s", "10"])) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    # The first day's bytes per row predict the second day's file (rows grow linearly).
    assert summary["model_ratio"] == pytest.approx(1.0, abs=0.05)
    assert summary["year_mb"] >= summary["year_rollups_mb"] + summary["year_raw_mb"]
    # A year of minute roll-ups is far more than the two days stored.
    assert summary["year_rollups_mb"] > 50 * summary["measured_mb"]
