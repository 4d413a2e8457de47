"""Config: typos are errors with file:line, secrets are resolved and masked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from services.core.config import ConfigError, load_config, load_config_text
from services.core.config.loader import effective_config

MISSPELT = """\
mqtt:
  host: 127.0.0.1
devices:
  pln:
    kind: camera
    ocr:
      digits: 6
      decimalz: 2
"""


def test_embedded_default_runs_simulated_meters_locally(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("METERHUB_CONFIG", raising=False)
    loaded = load_config()
    assert loaded.source == "<embedded default>"
    config = loaded.config
    assert (config.mqtt.host, config.mqtt.port) == ("127.0.0.1", 1883)
    assert (config.web.host, config.web.port) == ("127.0.0.1", 8080)
    assert config.storage.sqlite_path == Path("data/meterhub.sqlite3")
    assert config.simulator.enabled and set(config.simulator.meters) <= set(config.devices)


def test_misspelt_key_names_file_line_and_key():
    with pytest.raises(ConfigError) as error:
        load_config_text(MISSPELT, "home.yml")
    assert "home.yml:8: devices.pln.ocr.decimalz" in str(error.value)


def test_wrong_type_names_line_of_the_value():
    with pytest.raises(ConfigError, match=r"c\.yml:3: mqtt\.port: .*integer"):
        load_config_text("mqtt:\n  host: x\n  port: lots\n", "c.yml")


def test_secret_placeholder_is_resolved_and_masked(monkeypatch):
    monkeypatch.setenv("BROKER_PASSWORD", "hunter2-very-secret")
    loaded = load_config_text("mqtt:\n  username: hub\n  password: '{BROKER_PASSWORD}'\n")
    assert loaded.config.mqtt.password.get_secret_value() == "hunter2-very-secret"
    shown = json.dumps(effective_config(loaded))
    assert "hunter2" not in shown and '"password": "***"' in shown


def test_missing_environment_variable_is_named(monkeypatch):
    monkeypatch.delenv("NOPE_TOKEN", raising=False)
    with pytest.raises(
        ConfigError, match=r"c\.yml:2: mqtt\.password: environment variable NOPE_TOKEN"
    ):
        load_config_text("mqtt:\n  password: '{NOPE_TOKEN}'\n", "c.yml")


def test_simulator_must_name_configured_devices():
    with pytest.raises(ConfigError, match="not in devices"):
        load_config_text("simulator:\n  enabled: true\n  meters:\n    ghost: {type: p1}\n")


def test_invalid_yaml_names_line():
    with pytest.raises(ConfigError, match=r"c\.yml:\d+: not valid YAML"):
        load_config_text("mqtt:\n  host: [unclosed\n", "c.yml")


def _meterhub(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_config_check_command_reports_typo_and_masks_secret(tmp_path, monkeypatch):
    bad = tmp_path / "bad.yml"
    bad.write_text(MISSPELT)
    result = _meterhub("--config", str(bad), "config", "check")
    assert result.returncode == 2
    assert f"{bad}:8: devices.pln.ocr.decimalz" in result.stderr

    good = tmp_path / "good.yml"
    good.write_text("mqtt:\n  password: '{MH_TEST_SECRET}'\n")
    env = {"MH_TEST_SECRET": "s3cr3t-value", "PATH": "/usr/bin:/bin"}
    result = _meterhub("--config", str(good), "config", "check", env=env)
    assert result.returncode == 0, result.stderr
    assert "s3cr3t-value" not in result.stdout
    assert json.loads(result.stdout.split("\n", 1)[1])["mqtt"]["password"] == "***"


ZONES = """\
storage: {timezone: Asia/Jakarta}
capacity: {timezone: Europe/Brussels}
devices:
  pln: {kind: camera, ocr: {digits: 6}}
  kos: {kind: camera, timezone: Asia/Makassar, ocr: {digits: 6}}
  p1: {kind: p1}
"""


def test_each_meter_has_one_zone_its_own_or_its_data_s():
    config = load_config_text(ZONES).config
    assert config.zone_of("kos") == "Asia/Makassar"
    assert config.zone_of("pln") == "Asia/Jakarta"  # storage's days
    assert config.zone_of("p1") == "Europe/Brussels"  # where its quarters are billed


def test_a_p1_meter_in_another_zone_than_its_bills_is_refused():
    with pytest.raises(ConfigError, match=r"capacity\.timezone"):
        load_config_text(ZONES.replace("p1: {kind: p1}", "p1: {kind: p1, timezone: UTC}"))
    with pytest.raises(ConfigError, match="Mars/Olympus"):
        load_config_text(ZONES.replace("Asia/Makassar", "Mars/Olympus"))
