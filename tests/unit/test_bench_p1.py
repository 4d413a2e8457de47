"""`meterhub bench p1` runs and reports both rates; the ratio itself is the benchmark's job."""

from __future__ import annotations

import json

from services.cli import main


def test_bench_p1_prints_both_rates_and_a_json_line(capsys) -> None:
    main(["bench", "p1", "--telegrams", "30", "--rounds", "1"])
    lines = capsys.readouterr().out.splitlines()
    result = json.loads(lines[-1])
    assert result["bench"] == "p1" and result["telegrams"] == 30
    assert result["dsmr_parser_per_s"] > 0 and result["meterhub_per_s"] > 0
    assert any("ratio" in line for line in lines[:-1])
