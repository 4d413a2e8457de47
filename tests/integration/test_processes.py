"""The command line as a user runs it: real processes, signals and HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from services.core.config.loader import default_config_text
from services.tools.broker_process import free_port, wait_for_port

pytestmark = pytest.mark.slow


def _start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _get_json_when(url: str, ready, deadline_s: float = 60.0):
    """Poll an HTTP endpoint of another process until ``ready(json)``; bounded by a deadline."""
    deadline = time.monotonic() + deadline_s
    last = None
    while time.monotonic() < deadline:
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                last = response.json()
                if ready(last):
                    return last
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} not ready within {deadline_s}s; last answer {last}")


def _stop(process: subprocess.Popen[str], sig: int) -> tuple[int, str]:
    process.send_signal(sig)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        raise AssertionError(f"did not stop on {signal.Signals(sig).name}:\n{output}") from None
    return process.returncode, output


def test_demo_serves_the_true_balance_and_stops_cleanly_on_ctrl_c(tmp_path):
    broker_port, web_port = free_port(), free_port()
    config = yaml.safe_load(default_config_text())
    config["mqtt"]["port"] = broker_port
    config["web"]["port"] = web_port
    config["storage"]["data_dir"] = str(tmp_path / "data")
    config["simulator"]["meters"]["pln"]["frame_interval_s"] = 1
    (tmp_path / "config.yml").write_text(yaml.safe_dump(config))

    demo = _start(["demo"], cwd=tmp_path)
    try:
        base = f"http://127.0.0.1:{web_port}"
        latest = _get_json_when(
            f"{base}/api/devices/pln/latest", lambda j: "token_balance_kwh" in j["values"]
        )
        balance = latest["values"]["token_balance_kwh"]
        truth = httpx.get(f"{base}/api/simulator/pln", timeout=2).json()
        assert balance["value"] == truth["frames"][balance["frame_id"]]["value"]
    finally:
        code, output = _stop(demo, signal.SIGINT)
    assert code == 0, output
    assert "Broker stopped." in output
    assert (tmp_path / "data" / "mosquitto" / "mosquitto.db").exists(), "broker persistence is on"


def test_service_process_serves_healthz_and_stops_gracefully_on_sigterm(tmp_path, broker):
    health_port = free_port()
    config_file = tmp_path / "config.yml"
    config_file.write_text(
        yaml.safe_dump(
            {
                "mqtt": {"port": broker.port},
                "storage": {"data_dir": str(tmp_path / "data")},
                "devices": {"m1": {"kind": "p1"}},
            }
        )
    )
    watcher = subprocess.Popen(
        [
            "mosquitto_sub",
            "-p",
            str(broker.port),
            "-v",
            "-t",
            "meterhub/service/storage/availability",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    storage = _start(
        ["--config", str(config_file), "run", "storage", "--health-port", str(health_port)],
        cwd=tmp_path,
    )
    try:
        wait_for_port("127.0.0.1", health_port, 30, storage)
        report = _get_json_when(
            f"http://127.0.0.1:{health_port}/healthz", lambda j: j["status"] == "ok"
        )
        assert report["services"]["storage"]["connected"] is True
        assert watcher.stdout.readline().split() == [
            "meterhub/service/storage/availability",
            "online",
        ]
    finally:
        code, output = _stop(storage, signal.SIGTERM)
    try:
        assert code == 0, output
        assert watcher.stdout.readline().split() == [
            "meterhub/service/storage/availability",
            "offline",
        ]
        assert "stopped" in output
    finally:
        watcher.terminate()
        watcher.wait()


def test_config_check_cli_uses_the_embedded_default(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "config", "check"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != "METERHUB_CONFIG"},
    )
    assert result.returncode == 0, result.stderr
    header, body = result.stdout.split("\n", 1)
    assert header == "# <embedded default>: valid"
    assert json.loads(body)["web"]["port"] == 8080
