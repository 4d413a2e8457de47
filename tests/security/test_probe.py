"""The hardening probes against the whole demo hub, as `meterhub bench probe` runs them.

The benchmark starts `meterhub demo` as its own process and sends it what a broken device
or a hostile client on the machine would. Here every count but the stall (a timing, which
the benchmark reports) must be zero: no service died or logged an error, no 500, no
spoofed value shown, no meter fell silent, no oversized or malformed input accepted.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


@pytest.mark.timeout(300)
def test_probes_find_no_crash_no_500_no_spoof_no_silence(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "bench", "probe"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=280,
    )
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    counts = {k: summary[k] for k in ("crashes", "http_500", "spoofed", "silent", "accepted_junk")}
    assert counts == dict.fromkeys(counts, 0), done.stdout[-4000:]
    assert done.returncode == 0
    assert set(summary["probe_s"]) >= {"other meter's balance", "big bodies", "big publish"}
