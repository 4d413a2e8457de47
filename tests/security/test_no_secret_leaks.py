"""No secret in `config check` output or in any log line, even at DEBUG and while failing.

Every secret the config can hold is set — from the environment and written in the file
— and `meterhub run all` runs as a process at DEBUG against a broker that wants its
password, with the Telegram bot talking to the local fake Bot API, a sink and a camera
that are unreachable (error paths log the most). Its whole output must not contain a
secret.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import yaml

from services.core.messages import Reading
from services.tools.broker_process import free_port
from tests.fake_telegram import TOKEN, FakeBotApi
from tests.faults.helpers import REPO, eventually
from tests.security.brokers import ACCEPTED, Client, generated_broker

# Distinct, greppable values; the broker's own users take theirs from brokers.py's table.
SECRETS = {
    "MQTT_PASSWORD": "mqtt-pw-5e1f0a",
    "INFLUX_TOKEN": "influx-token-7c2d9b",
    "INFLUX_V1_PASSWORD": "influx1-pw-3a8e4f",
    "UPLOAD_TOKEN": "upload-token-9b7e6d5c4a3f2e1d",
    "CAMERA_PASSWORD": "camera-pw-1d2c3b",
    "WEB_API_TOKEN": "web-api-token-6f5e4d3c2b1a0f9e8d7c",
    "TELEGRAM_BOT_TOKEN": TOKEN,
}
URL_PASSWORD = "in-url-pw-4b4b4b"  # credentials written inside a URL
LITERAL_PASSWORD = "literal-pw-8c8c8c"  # a secret written in the file, not the environment


def _config(tmp_path: Path, broker_port: int, api: FakeBotApi) -> dict:
    closed = free_port()  # nothing listens there: sinks and the camera fail, and say so
    return {
        "mqtt": {"port": broker_port, "username": "meterhub", "password": "{MQTT_PASSWORD}",
                 "reconnect_initial_s": 0.1},
        "logging": {"level": "DEBUG"},
        "devices": {
            "pln": {"kind": "camera", "ocr": {"digits": 6, "decimals": 2}, "capture": {
                "source": {"kind": "snapshot", "url": f"http://127.0.0.1:{closed}/capture",
                           "username": "admin", "password": "{CAMERA_PASSWORD}", "timeout_s": 1},
                "triggers": [{"kind": "interval", "every_s": 1}]}},
            "cam2": {"kind": "camera", "capture": {
                "source": {"kind": "upload", "token": "{UPLOAD_TOKEN}"}}},
            "p1": {"kind": "p1"},
        },
        "storage": {
            "data_dir": str(tmp_path / "data"),
            "influxdb": {"url": f"http://user:{URL_PASSWORD}@127.0.0.1:{closed}", "org": "o",
                         "bucket": "b", "token": "{INFLUX_TOKEN}", "retry_initial_s": 0.1,
                         "retry_max_s": 0.2, "timeout_s": 1},
            "influxdb_v1": {"url": f"http://127.0.0.1:{closed}", "database": "m",
                            "username": "u", "password": LITERAL_PASSWORD,
                            "retry_initial_s": 0.1, "retry_max_s": 0.2, "timeout_s": 1},
        },
        "capture": {"http": {"port": 0}},
        "web": {"enabled": True, "host": "127.0.0.1", "port": free_port(),
                "login": {"api_tokens": ["{WEB_API_TOKEN}"]}},
        "telegram": {"bot_token": "{TELEGRAM_BOT_TOKEN}", "api_base_url": api.base_url,
                     "api_file_url": api.file_url, "allowed_chat_ids": [1001],
                     "poll_timeout_s": 1},
    }  # fmt: skip


def _run_all(config_file: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            _meterhub("--config", str(config_file), "run", "all"),
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def _leaks(text: str) -> list[str]:
    return [s for s in [*SECRETS.values(), URL_PASSWORD, LITERAL_PASSWORD] if s in text]


def _meterhub(*args: str) -> list[str]:
    return [sys.executable, "-m", "services.cli", *args]


async def test_config_check_and_every_log_line_keep_secrets_out(tmp_path: Path) -> None:
    passwords = {"meterhub": SECRETS["MQTT_PASSWORD"], "meterhub-token": "t", "homeassistant": "h"}
    api = await FakeBotApi().start()
    try:
        with generated_broker(tmp_path / "broker", [], passwords) as broker:
            config_file = tmp_path / "config.yml"
            config_file.write_text(yaml.safe_dump(_config(tmp_path, broker.port, api)))
            env = {**os.environ, **SECRETS, "PYTHONUNBUFFERED": "1"}

            check = await asyncio.to_thread(
                subprocess.run,
                _meterhub("--config", str(config_file), "config", "check"),
                env=env, capture_output=True, text=True, timeout=60, check=False,
            )  # fmt: skip
            assert check.returncode == 0, check.stderr
            assert _leaks(check.stdout + check.stderr) == [], check.stdout

            log = tmp_path / "run.log"
            process = _run_all(config_file, env, log)
            try:
                await eventually(log.read_text, lambda t: "connected service=storage" in t, 60)
                # A reading for the sinks, which cannot be reached and say so.
                meter = Client(broker.host, broker.port, "meterhub", SECRETS["MQTT_PASSWORD"])
                try:
                    reading = Reading(device="p1", ts=datetime.now(UTC), source="p1",
                                      values={"power_w": 1.0})  # fmt: skip
                    assert meter.publish("meterhub/p1/reading", reading.to_payload()) in ACCEPTED
                finally:
                    meter.close()
                # Every error path has spoken, and the bot has talked to Telegram.
                for sink in ("influxdb", "influxdb_v1"):
                    await eventually(
                        log.read_text, lambda t, s=sink: f"in its queue sink={s} " in t, 60
                    )
                await eventually(log.read_text, lambda t: "camera failed device=pln" in t, 60)
                await api.wait_for(lambda c: c.method == "setMyCommands", timeout=60)
            finally:
                process.send_signal(signal.SIGTERM)
                await asyncio.to_thread(process.wait, 60)
    finally:
        await api.stop()
    text = log.read_text()
    assert _leaks(text) == [], [line for line in text.splitlines() if _leaks(line)][:10]
    assert process.returncode == 0, "run all stopped on its own (a service failed)"
    assert "Traceback" not in text, text[text.index("Traceback") - 300 :][:3000]
