"""The firmware's core against a real Mosquitto, read back by the Python side of the bus.

`device_sim` (firmware/esp32_mqtt/test/host) runs the same roles and MQTT 5 session as
the ESP32 builds, with sockets for WiFi and simulated hardware. What it publishes must be
what the services accept: Reading and KeypadAck models, frames with their user
properties, telegrams the gateway parses, availability with a will.
"""

from __future__ import annotations

import http.server
import json
import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from services.core.config import load_config_text
from services.core.messages import Alarm, KeypadAck, KeypadCommand, Reading, utc_now
from services.protocols.dsmr import parse_telegram
from services.tools.broker_process import MosquittoProcess, free_port
from tests.bus_helpers import Collector, running_bus
from tests.capture_helpers import make_jpeg, running_edge
from tests.conftest import make_config
from tests.integration import test_broker_acl as repo_acl

FIRMWARE = Path(__file__).resolve().parents[2] / "firmware" / "esp32_mqtt"
VECTORS = FIRMWARE / "test" / "vectors"
SIM = FIRMWARE / "build" / "host" / "device_sim"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) + b"\xff\xd9"


@pytest.fixture(scope="module")
def device_sim() -> Path:
    """The simulator, built as `make firmware-test` builds it (incremental, quick)."""
    build = subprocess.run(
        ["make", "-s", "-C", str(FIRMWARE), "device-sim"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    return SIM


class Device:
    def __init__(self, sim: Path, broker_port: int, role: str, device: str, *args: str) -> None:
        command = [str(sim), "--role", role, "--port", str(broker_port), "--device", device, *args]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    def stop(self, sig: int = signal.SIGTERM) -> str:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        output, _ = self.process.communicate(timeout=20)
        return output


@pytest.fixture
def devices(device_sim: Path, broker: MosquittoProcess) -> Iterator[Any]:
    started: list[Device] = []

    def start(role: str, device: str, *args: str, port: int | None = None) -> Device:
        started.append(Device(device_sim, port or broker.port, role, device, *args))
        return started[-1]

    yield start
    for device in started:
        device.stop(signal.SIGKILL)


def payload_is(text: str):
    return lambda message: message.payload == text.encode()


async def test_keypad_firmware_types_a_command_and_acks_as_token_entry_expects(
    broker: MosquittoProcess, devices: Any, tmp_path: Path
) -> None:
    acks, availability = Collector(), Collector()
    config = make_config(broker, tmp_path)
    async with running_bus(
        config.mqtt,
        "keypad-test",
        {"meterhub/pln/keypad/ack": acks, "meterhub/pln/availability": availability},
    ) as bus:
        device = devices("keypad", "pln", "--keep-alive", "2")
        await availability.wait_for(payload_is("online"))
        command = KeypadCommand(id="tok-1", keys="B12E", press_ms=20, gap_ms=15)
        await bus.publish(bus.topics.device("keypad_cmd", "pln"), command.to_payload())
        await acks.wait_for(lambda m: b'"done"' in m.payload)
        states = [KeypadAck.from_payload(m.payload) for m in acks.messages]
        assert [(a.state, a.pressed) for a in states] == [
            ("accepted", 0),
            ("pressing", 1),
            ("pressing", 2),
            ("pressing", 3),
            ("pressing", 4),
            ("done", 4),
        ]
        assert {a.id for a in states} == {"tok-1"}

        device.stop(signal.SIGKILL)  # power cut: the broker speaks for the device
        await availability.wait_for(payload_is("offline"))


async def test_keypad_solenoids_are_never_on_together(
    broker: MosquittoProcess, devices: Any, tmp_path: Path
) -> None:
    acks, availability = Collector(), Collector()
    config = make_config(broker, tmp_path)
    async with running_bus(
        config.mqtt,
        "keypad-overlap",
        {"meterhub/pln/keypad/ack": acks, "meterhub/pln/availability": availability},
    ) as bus:
        device = devices("keypad", "pln")
        await availability.wait_for(payload_is("online"))
        topic = bus.topics.device("keypad_cmd", "pln")
        await bus.publish(
            topic, KeypadCommand(id="a", keys="1234", press_ms=30, gap_ms=10).to_payload()
        )
        await acks.wait_for(lambda m: b'"id":"a","state":"pressing","pressed":1' in m.payload)
        await bus.publish(
            topic, KeypadCommand(id="b", keys="99", press_ms=10, gap_ms=10).to_payload()
        )
        await acks.wait_for(lambda m: b'"id":"b","state":"done"' in m.payload)
        superseded = await acks.wait_for(lambda m: b'"id":"a","state":"error"' in m.payload)
        assert KeypadAck.from_payload(superseded.payload).error == "superseded by command 'b'"
    output = device.stop()
    energised: set[str] = set()
    for line in output.splitlines():
        if not line.startswith("solenoid "):
            continue
        _, pin, state, _ = line.split()
        if state == "on":
            assert not energised, f"pin {pin} on while {energised} still on"
            energised.add(pin)
        else:
            energised.discard(pin)
    assert not energised


async def test_keypad_board_hears_the_low_credit_beeping_not_the_talk_before_it(
    broker: MosquittoProcess, devices: Any, tmp_path: Path
) -> None:
    """Someone talks next to the meter for 6 s, then it beeps: one alarm, for the beeping."""
    alarms = Collector()
    config = make_config(broker, tmp_path)
    async with running_bus(config.mqtt, "sound-test", {"meterhub/pln/alarm": alarms}):
        started = utc_now().replace(microsecond=0)
        devices("keypad", "pln", "--sound", "talk_then_low_credit")
        message = await alarms.wait_for(lambda m: True, timeout=40)
        alarm = Alarm.from_payload(message.payload)
        assert alarm.kind == "beep"
        # Talk until 6 s, the fourth beep over at ~9.1 s; an alarm from the talk would be earlier.
        assert (alarm.ts - started).total_seconds() >= 9
        assert (message.qos, message.retain) == (1, False)


async def test_camera_board_publishes_an_alarm_for_beeping(
    broker: MosquittoProcess, devices: Any, tmp_path: Path
) -> None:
    alarms = Collector()
    config = make_config(broker, tmp_path)
    async with running_bus(config.mqtt, "sound-cam", {"meterhub/pln/alarm": alarms}):
        devices("camera", "pln", "--sound", "low_credit", "--jpeg", str(tmp_path / "none.jpg"))
        message = await alarms.wait_for(lambda m: True, timeout=40)
        assert Alarm.from_payload(message.payload).kind == "beep"


async def test_rs485_firmware_readings_are_valid_readings(
    broker: MosquittoProcess, devices: Any, tmp_path: Path
) -> None:
    readings, availability = Collector(), Collector()
    config = make_config(broker, tmp_path)
    async with running_bus(
        config.mqtt,
        "rs485-test",
        {"meterhub/ce711/reading": readings, "meterhub/ce711/availability": availability},
    ):
        devices("rs485", "ce711", "--interval-ms", "300")
        await readings.wait_for(lambda m: True)
        await availability.wait_for(payload_is("online"))
        reading = Reading.from_payload(readings.messages[0].payload)
        assert reading.source == "dlt645"
        assert reading.meter_id == "000000123456"
        assert reading.values == {
            "energy_import_kwh": 12345.67,
            "energy_import_t1_kwh": 8000.0,
            "energy_import_t2_kwh": 4345.67,
            "energy_import_t3_kwh": 0.0,
            "energy_import_t4_kwh": 0.0,
            "reactive_energy_kvarh": 321.09,
            "voltage_l1_v": 231.0,
            "current_l1_a": 5.23,
            "power_w": 1234.5,
        }
        await readings.wait_for(lambda m: m is not readings.messages[0])  # it keeps polling


async def test_rs485_firmware_reports_a_silent_meter_offline(
    broker: MosquittoProcess, devices: Any, tmp_path: Path
) -> None:
    availability = Collector()
    config = make_config(broker, tmp_path)
    async with running_bus(
        config.mqtt, "rs485-silent", {"meterhub/ce711/availability": availability}
    ):
        devices("rs485", "ce711", "--meter", "silent")
        await availability.wait_for(payload_is("online"))
        await availability.wait_for(payload_is("offline"))  # three unanswered tries later


async def test_p1_bridge_publishes_telegrams_the_gateway_parses(
    broker: MosquittoProcess, devices: Any, tmp_path: Path
) -> None:
    vectors = {t["name"]: t for t in json.loads((VECTORS / "dsmr.json").read_text())["telegrams"]}
    stream = tmp_path / "p1.bin"
    stream.write_bytes(
        b"\x00noise\r\n"
        + vectors["fluvius_dsmr5"]["text"].encode()
        + vectors["crc_mismatch"]["text"].encode()
        + vectors["dutch_dsmr5_exporting"]["text"].encode()
    )
    telegrams = Collector()
    config = make_config(broker, tmp_path)
    async with running_bus(config.mqtt, "p1-test", {"meterhub/p1/telegram": telegrams}):
        devices("p1", "p1", "--p1-file", str(stream))
        last = vectors["dutch_dsmr5_exporting"]["text"].encode()
        await telegrams.wait_for(lambda m: m.payload == last)
        # QoS 1 from one client arrives in order: the corrupted one was dropped before it.
        assert [m.payload for m in telegrams.messages] == [
            vectors["fluvius_dsmr5"]["text"].encode(),
            last,
        ]
        parsed = parse_telegram(telegrams.messages[0].payload.decode("ascii"))
        assert parsed.values == vectors["fluvius_dsmr5"]["reading"]["values"]


async def test_camera_frame_carries_the_request_id_as_a_user_property(
    broker: MosquittoProcess, devices: Any, tmp_path: Path
) -> None:
    jpeg = tmp_path / "shot.jpg"
    jpeg.write_bytes(JPEG)
    frames, availability = Collector(), Collector()
    config = make_config(broker, tmp_path)
    async with running_bus(
        config.mqtt,
        "camera-test",
        {"meterhub/cam/frame/raw": frames, "meterhub/cam/availability": availability},
    ) as bus:
        devices("camera", "cam", "--jpeg", str(jpeg))
        await availability.wait_for(payload_is("online"))
        await bus.publish(bus.topics.capture("cam"), b'{"request_id":"bot-7"}')
        frame = await frames.wait_for(lambda m: m.user_properties.get("request_id") == "bot-7")
        assert frame.payload == JPEG
        assert len(frame.user_properties["frame_id"]) == 16
        assert frame.user_properties["ts"].endswith("Z")
        await bus.publish(bus.topics.capture("cam"), b"PRESS")  # a Home Assistant button
        plain = await frames.wait_for(lambda m: "request_id" not in m.user_properties)
        assert plain.user_properties["frame_id"] != frame.user_properties["frame_id"]


def upload_server() -> tuple[http.server.ThreadingHTTPServer, list[Any], threading.Event]:
    """A stand-in for the gateway's upload endpoint: records each POST."""
    received: list[tuple[str, dict[str, str], bytes]] = []
    arrived = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, dict(self.headers), body))
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()
            arrived.set()

        def log_message(self, *args: object) -> None:
            pass

    return http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler), received, arrived


def test_camera_uploads_over_http_when_the_broker_is_unreachable(
    devices: Any, tmp_path: Path
) -> None:
    jpeg = tmp_path / "shot.jpg"
    jpeg.write_bytes(JPEG)

    server, received, arrived = upload_server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/api/frames/cam"
        devices(
            "camera",
            "cam",
            "--jpeg",
            str(jpeg),
            "--interval-s",
            "1",
            "--upload-url",
            url,
            "--upload-token",
            "0123456789abcdef",
            port=free_port(),  # nobody listens there: no broker
        )
        assert arrived.wait(20), "no upload arrived"
        path, headers, body = received[0]
        target = urlsplit(path)
        assert target.path == "/api/frames/cam"
        assert parse_qs(target.query)["ts"][0].endswith("Z")  # a scheduled shot: no request id
        assert body == JPEG
        assert headers["Content-Type"] == "image/jpeg"
        assert headers["Authorization"] == "Bearer 0123456789abcdef"
    finally:
        server.shutdown()
        server.server_close()


async def test_camera_firmware_frames_pass_the_real_gateway_with_their_request_id(
    broker: MosquittoProcess, devices: Any, tmp_path: Path
) -> None:
    jpeg = tmp_path / "meter.jpg"
    jpeg.write_bytes(make_jpeg(7))
    seen = Collector()
    config = make_config(
        broker,
        tmp_path / "data",
        devices={"cam": {"kind": "camera"}},
        capture={"min_interval_s": 0},
    )
    async with (
        running_bus(config.mqtt, "observer", {"meterhub/cam/#": seen}) as bus,
        running_edge(config),
    ):
        devices("camera", "cam", "--jpeg", str(jpeg))
        await seen.wait_for(lambda m: m.topic.endswith("/availability") and m.payload == b"online")
        await bus.publish(bus.topics.capture("cam"), b'{"request_id":"bot-7"}')
        frame = await seen.wait_for(lambda m: m.topic == "meterhub/cam/frame")
        assert frame.user_properties["request_id"] == "bot-7"
        assert frame.payload == make_jpeg(7)


async def test_camera_firmware_uploads_to_the_real_gateway(
    broker: MosquittoProcess, devices: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAM_TOKEN", "esp32-upload-token-0123")
    config = load_config_text(
        f"""
mqtt: {{host: {broker.host}, port: {broker.port}, reconnect_initial_s: 0.05}}
storage: {{data_dir: {tmp_path / "data"}}}
web: {{enabled: false}}
capture: {{http: {{port: 0}}, min_interval_s: 0}}
devices:
  cam:
    kind: camera
    capture: {{source: {{kind: upload, token: "{{CAM_TOKEN}}"}}}}
""",
        "home.yml",
    ).config
    jpeg = tmp_path / "meter.jpg"
    jpeg.write_bytes(make_jpeg(9))
    seen = Collector()
    async with (
        running_bus(config.mqtt, "observer", {"meterhub/cam/#": seen}) as bus,
        running_edge(config) as edge,
    ):
        devices(
            "camera",
            "cam",
            "--jpeg",
            str(jpeg),
            "--upload-always",
            "1",
            "--upload-url",
            f"http://127.0.0.1:{edge.http_port}/api/frames/cam",
            "--upload-token",
            "esp32-upload-token-0123",
        )
        await seen.wait_for(lambda m: m.topic.endswith("/availability") and m.payload == b"online")
        await bus.publish(bus.topics.capture("cam"), b'{"request_id":"bot-8"}')
        frame = await seen.wait_for(lambda m: m.topic == "meterhub/cam/frame")
        assert frame.user_properties["request_id"] == "bot-8"
        assert frame.payload == make_jpeg(9)
        assert not [m for m in seen.messages if m.topic == "meterhub/cam/frame/raw"]


def test_sim_refuses_a_bad_device_id(device_sim: Path) -> None:
    result = subprocess.run(
        [str(device_sim), "--role", "keypad", "--device", "Bad Id"],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
        env=dict(os.environ),
    )
    assert result.returncode == 2
    assert "usage" in result.stderr


@pytest.fixture(scope="module")
def repo_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[repo_acl.RepoConfBroker]:
    """mosquitto/ as shipped: its config, its ACL, passwords from its script."""
    data_dir = tmp_path_factory.mktemp("repo-broker")
    password_file = data_dir / "passwd"
    made = repo_acl.make_passwords(password_file, repo_acl.PASSWORD_ENV, "pln", "p1")
    assert made.returncode == 0, made.stderr
    with repo_acl.RepoConfBroker(data_dir=data_dir, password_file=password_file) as running:
        yield running


def test_firmware_topics_and_logins_pass_the_repository_acl(
    device_sim: Path, repo_broker: repo_acl.RepoConfBroker, tmp_path: Path
) -> None:
    """Each device logs in as its device id and uses only what the ACL grants it."""
    passwords = repo_acl.PASSWORDS
    service = repo_acl.Client(repo_broker, "meterhub", passwords["meterhub"])
    token = repo_acl.Client(repo_broker, "meterhub-token", passwords["meterhub-token"])
    assert service.subscribe("meterhub/#") == 1
    stream = tmp_path / "p1.bin"
    telegram = json.loads((VECTORS / "dsmr.json").read_text())["telegrams"][0]["text"]
    stream.write_bytes(telegram.encode())
    jpeg = tmp_path / "shot.jpg"
    jpeg.write_bytes(JPEG)
    port, pln = repo_broker.port, passwords["pln"]
    started = [
        Device(device_sim, port, "keypad", "pln", "--password", pln),
        Device(device_sim, port, "camera", "pln", "--password", pln, "--jpeg", str(jpeg)),
        Device(
            device_sim, port, "p1", "p1", "--password", passwords["p1"], "--p1-file", str(stream)
        ),
    ]
    try:
        service.wait_for_message("meterhub/p1/telegram")
        # Keypad and camera share the device id: both announce on its availability topic,
        # each once its commands are subscribed.
        online = ("meterhub/pln/availability", b"online")
        service._wait(lambda: service.messages.count(online) == 2, "both pln boards online")
        keypad_cmd = b'{"id":"acl","keys":"1","press_ms":10}'
        assert token.publish("meterhub/pln/keypad/cmd", keypad_cmd) == repo_acl.SUCCESS
        service.wait_for_message("meterhub/pln/keypad/ack")
        capture = b'{"request_id":"acl"}'
        assert service.publish("meterhub/pln/cmd/capture", capture) == repo_acl.SUCCESS
        service.wait_for_message("meterhub/pln/frame/raw")
    finally:
        outputs = [device.stop() for device in started]
        service.close()
        token.close()
    refusals = [line for out in outputs for line in out.splitlines() if "refused" in line]
    assert not refusals
