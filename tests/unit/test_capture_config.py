"""Capture settings: secrets from the environment, masked; mistakes named with their line."""

from __future__ import annotations

import json

import pytest

from services.capture_gateway.cameras import CameraEdge
from services.core.config import ConfigError, load_config_text
from services.core.config.loader import effective_config
from services.core.runtime import Bus
from services.core.runtime.health import Health
from services.core.runtime.runner import ServiceContext

UPLOADER = """\
devices:
  garage:
    kind: camera
    capture:
      source: {kind: upload, token: "{GARAGE_CAM_TOKEN}"}
"""


def test_device_token_comes_from_the_environment_and_is_never_shown(monkeypatch):
    monkeypatch.setenv("GARAGE_CAM_TOKEN", "s3cret-garage-token-42")
    loaded = load_config_text(UPLOADER, "home.yml")
    source = loaded.config.devices["garage"].capture.source
    assert source.token.get_secret_value() == "s3cret-garage-token-42"
    assert "s3cret" not in repr(loaded.config)
    shown = json.dumps(effective_config(loaded))
    assert "s3cret" not in shown and '"token": "***"' in shown


def test_a_short_device_token_is_refused(monkeypatch):
    monkeypatch.setenv("GARAGE_CAM_TOKEN", "1234")
    with pytest.raises(ConfigError, match=r"home\.yml:5: .*at least 16 characters"):
        load_config_text(UPLOADER, "home.yml")


@pytest.mark.parametrize(
    ("device", "message"),
    [
        ("{kind: p1, capture: {}}", "capture settings apply to camera devices only"),
        (
            "{kind: camera, capture: {source: {kind: snapshot, url: 'http://cam/capture', "
            "flash: {mode: urls}}}}",
            "flash mode 'urls' needs on_url and off_url",
        ),
        (
            "{kind: camera, capture: {source: {kind: snapshot, url: 'ftp://cam/x'}}}",
            "URL scheme should be 'http' or 'https'",
        ),
        ("{kind: camera, capture: {source: {kind: webcam}}}", "does not match any of the"),
        ("{kind: camera, capture: {max_frame_bytes: 100000000}}", "less than or equal to"),
    ],
)
def test_capture_mistakes_are_config_errors(device: str, message: str):
    with pytest.raises(ConfigError, match=message):
        load_config_text(f"devices:\n  cam: {device}\n", "home.yml")


def edge_for(text: str) -> CameraEdge:
    config = load_config_text(text).config
    bus = Bus(config.mqtt, "capture_gateway")
    return CameraEdge(ServiceContext(config, bus, Health()), "gateway")


def test_the_listener_opens_only_when_a_device_needs_it():
    plain = edge_for("devices:\n  cam: {kind: camera}\n")
    assert plain.cameras["cam"].kind == "mqtt" and plain.cameras["cam"].worker is None
    assert not plain.needs_http
    rtc = "{kind: camera, capture: {triggers: [{kind: autocapture}]}}"
    assert edge_for(f"devices:\n  cam: {rtc}\n").needs_http
    forced = "capture: {http: {enabled: true}}\ndevices:\n  cam: {kind: camera}\n"
    assert edge_for(forced).needs_http
