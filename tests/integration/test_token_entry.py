"""Token entry end to end: token/set → keypad presses on the simulated meter → new balance.

OCR, the simulator and token entry run on a real broker. The simulated meters
start at 127.00 kWh and use nothing (load 0 W), so every balance is exact. Three meters:
``pln`` (a working keypad), ``jam`` (a solenoid jams after 7 keys), ``mute`` (the
keypad falls silent after 3 keys) and ``deaf`` (it types every key, but its acks after
the first are lost). Every token is typed after the default 20 clearing Backspaces.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from services.core.config import MeterhubConfig
from services.core.messages import KeypadCommand, TokenSet, TokenState
from services.core.runtime import run_services
from services.core.runtime.bus import Bus, IncomingMessage
from services.core.runtime.health import Health
from services.domain.tokens import grouped
from services.registry import service_spec
from services.simulator.keypad import read_keypad_log
from services.simulator.prepaid import make_token
from services.token_entry.attempts import AttemptStore
from tests.bus_helpers import Collector, running_bus
from tests.conftest import make_config

pytestmark = pytest.mark.slow

SERVICES = ("ocr_worker", "simulator", "token_entry")
KEYPAD_TIME_SCALE = 20
SETTLE_S = 0.2
START_KWH = 127.0
FINAL: tuple[str, ...] = ("verified", "failed")
CLEAR = "B" * 20  # the default clear_presses
KEYS = 41  # the clearing Backspaces, 20 digits, Enter


def _meter(**keypad: Any) -> dict[str, Any]:
    return {
        "type": "prepaid_camera",
        "balance_kwh": START_KWH,
        "load_w": 0,
        "frame_interval_s": 3600,  # photos only at start and on request
        "keypad": {"time_scale": KEYPAD_TIME_SCALE, **keypad},
    }


def hub_config(broker, data_dir: Path) -> MeterhubConfig:
    camera = {"kind": "camera", "ocr": {"display": "lcd7", "digits": 6, "decimals": 2}}
    return make_config(
        broker,
        data_dir,
        devices={"pln": camera, "jam": camera, "mute": camera, "deaf": camera},
        simulator={
            "enabled": True,
            "meters": {
                "pln": _meter(),
                "jam": _meter(fail_after_keys=7),
                "mute": _meter(silent_after_keys=3),
                "deaf": _meter(acks_lost_after_keys=1),
            },
        },
        token_entry={
            "settle_s": SETTLE_S,
            "ack_timeout_margin_s": 1.0,
            "verify_timeout_s": 15,
            # Fast presses, so waiting out the derived timeout stays short.
            "devices": {
                "mute": {"press_ms": 10, "gap_ms": 10},
                "deaf": {"press_ms": 10, "gap_ms": 10},
            },
        },
    )


@dataclass
class Hub:
    config: MeterhubConfig
    bus: Bus
    seen: Collector

    async def send(self, device: str, token: str, source: str = "telegram") -> str:
        request = TokenSet(token=token, source=source)
        await self.bus.publish(f"meterhub/{device}/token/set", request.to_payload())
        return request.request_id

    def states(self, device: str, request_id: str) -> list[TokenState]:
        return [
            state
            for message in self.seen.messages
            if message.topic == f"meterhub/{device}/token/state"
            and (state := TokenState.from_payload(message.payload)).request_id == request_id
        ]

    async def outcome(self, device: str, request_id: str, timeout: float = 20) -> TokenState:
        def final(message: IncomingMessage) -> bool:
            if message.topic != f"meterhub/{device}/token/state":
                return False
            state = TokenState.from_payload(message.payload)
            return state.request_id == request_id and state.state in FINAL

        return TokenState.from_payload((await self.seen.wait_for(final, timeout)).payload)

    def commands(self, device: str) -> list[KeypadCommand]:
        return [
            KeypadCommand.from_payload(m.payload)
            for m in self.seen.messages
            if m.topic == f"meterhub/{device}/keypad/cmd"
        ]

    def index_of(self, predicate: Callable[[IncomingMessage], bool]) -> int:
        return next(i for i, m in enumerate(self.seen.messages) if predicate(m))

    def attempts(self) -> list[sqlite3.Row]:
        with sqlite3.connect(self.config.storage.sqlite_path) as db:
            db.row_factory = sqlite3.Row
            return db.execute("SELECT * FROM token_attempts ORDER BY id").fetchall()


@pytest.fixture
async def start_hub(broker, tmp_path) -> AsyncIterator[Callable[[], Awaitable[Hub]]]:
    """Starts the services (once) and a test client, connected and subscribed."""
    config = hub_config(broker, tmp_path / "data")
    stop = asyncio.Event()
    running: list[asyncio.Task] = []
    async with contextlib.AsyncExitStack() as stack:

        async def start(services: tuple[str, ...] = SERVICES) -> Hub:
            seen = Collector()
            bus = await stack.enter_async_context(
                running_bus(config.mqtt, "test-user", {"meterhub/#": seen})
            )
            health = Health()
            specs = [service_spec(name) for name in services]
            running.append(
                asyncio.create_task(run_services(config, specs, stop=stop, health=health))
            )
            for name in services:
                await asyncio.wait_for(health.wait_connected(name), 10)
            return Hub(config, bus, seen)

        yield start
        stop.set()
        for task in running:
            await asyncio.wait_for(task, 30)


@pytest.fixture
async def hub(start_hub) -> Hub:
    return await start_hub()


async def test_a_token_is_typed_key_by_key_and_verified_by_the_higher_balance(hub: Hub):
    token = make_token(20.0, serial=1)
    request_id = await hub.send("pln", grouped(token))  # as printed: groups of four

    outcome = await hub.outcome("pln", request_id)
    assert outcome.state == "verified", outcome.detail
    assert (outcome.balance_before_kwh, outcome.balance_after_kwh) == (127.0, 147.0)
    assert "127.00 → 147.00 kWh" in outcome.detail

    steps = [s.state for s in hub.states("pln", request_id)]
    assert steps[0] == "queued" and steps[-2:] == ["typed", "verified"]
    assert "typing" in steps and steps.index("typing") < steps.index("typed")
    typing = [s.detail for s in hub.states("pln", request_id) if s.state == "typing"]
    assert typing[:2] == [
        f"sending {KEYS} key presses to the keypad",
        f"the keypad took {KEYS} key presses",
    ]
    assert typing[2:] == [f"pressed {n} of {KEYS} keys" for n in range(1, KEYS + 1)]

    # The command: Backspaces, the digits in order then Enter, with the default timing.
    (command,) = hub.commands("pln")
    assert (command.keys, command.press_ms, command.gap_ms) == (CLEAR + token + "E", 65, 500)
    assert command.seq == hub.attempts()[0]["id"]
    # What the simulated meter's keys felt, and when: never faster than commanded.
    (typed,) = read_keypad_log(hub.config.storage.data_dir, "pln")
    assert [p["key"] for p in typed["presses"]] == [*["backspace"] * 20, *token, "enter"]
    times = [datetime.fromisoformat(p["ts"]) for p in typed["presses"]]
    shortest = min((b - a).total_seconds() for a, b in itertools.pairwise(times))
    assert shortest >= (65 + 500) / 1000 / KEYPAD_TIME_SCALE - 0.002
    assert typed["outcome"] == "done" and typed["shown"] == "+20 kWh"

    (row,) = hub.attempts()
    assert (row["device"], row["token"], row["source"], row["state"]) == (
        "pln",
        token,
        "telegram",
        "verified",
    )
    assert (row["balance_before_kwh"], row["balance_after_kwh"]) == (127.0, 147.0)
    assert row["requested_at"] <= row["updated_at"]

    # token/state is retained: a client arriving later sees how it ended.
    late = Collector()
    async with running_bus(hub.config.mqtt, "late-client", {"meterhub/pln/token/state": late}):
        message = await late.wait_for(lambda m: m.retain)
    assert TokenState.from_payload(message.payload).state == "verified"


async def test_a_forged_or_future_balance_never_becomes_the_balance_before(start_hub):
    """p1 may publish on its own reading topic; what it says about pln is not pln's balance,
    and neither is pln's own reading stamped ahead of the clock."""
    hub = await start_hub((*SERVICES, "storage"))
    spoof = {"device": "pln", "values": {"token_balance_kwh": 888},
             "ts": "2099-01-01T00:00:00Z", "source": "p1"}  # fmt: skip
    ahead = dict(spoof, source="ocr")
    await hub.bus.publish("meterhub/p1/reading", json.dumps(spoof))
    await hub.bus.publish("meterhub/pln/reading", json.dumps(ahead))
    refused = {
        topic: json.loads((await hub.seen.wait_for(lambda m, t=topic: m.topic == t)).payload)
        for topic in ("meterhub/p1/rejected", "meterhub/pln/rejected")
    }
    assert "names device 'pln' but came on the topic of 'p1'" in (
        refused["meterhub/p1/rejected"]["reason"]
    )
    assert "in the future" in refused["meterhub/pln/rejected"]["reason"]

    outcome = await hub.outcome("pln", await hub.send("pln", make_token(20.0, serial=11)))
    assert outcome.state == "verified", outcome.detail
    assert (outcome.balance_before_kwh, outcome.balance_after_kwh) == (127.0, 147.0)


async def test_two_tokens_sent_at_once_are_typed_one_after_the_other(hub: Hub):
    first = await hub.send("pln", make_token(20.0, serial=2), source="web")
    second = await hub.send("pln", make_token(5.5, serial=3), source="homeassistant")
    done = await asyncio.gather(hub.outcome("pln", first), hub.outcome("pln", second))

    assert [d.state for d in done] == ["verified", "verified"], [d.detail for d in done]
    assert (done[0].balance_before_kwh, done[0].balance_after_kwh) == (127.0, 147.0)
    assert (done[1].balance_before_kwh, done[1].balance_after_kwh) == (147.0, 152.5)
    assert hub.states("pln", second)[0].detail == "1 token(s) ahead"
    # The second command went out only after the first token was checked.
    first_done = hub.index_of(
        lambda m: (
            m.topic == "meterhub/pln/token/state"
            and TokenState.from_payload(m.payload).request_id == first
            and TokenState.from_payload(m.payload).state == "verified"
        )
    )
    commands = [i for i, m in enumerate(hub.seen.messages) if m.topic == "meterhub/pln/keypad/cmd"]
    assert len(commands) == 2 and commands[0] < first_done < commands[1]
    first_seq, second_seq = (c.seq for c in hub.commands("pln"))
    assert first_seq is not None and second_seq is not None and first_seq < second_seq
    assert [r["source"] for r in hub.attempts()] == ["web", "homeassistant"]


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("1234 5678 9012", "a token has 20 digits, this has 12"),
        ("9999-9999-9999-9999-9999", "not a token: 20-digit tokens are below 73786976294838206464"),
        ("1234 5678 9012 3456 789O", "only digits"),
        ("  - ", "no token given"),
    ],
)
async def test_a_malformed_token_is_refused_with_the_reason_and_nothing_is_pressed(
    hub: Hub, token: str, reason: str
):
    request_id = await hub.send("pln", token)
    outcome = await hub.outcome("pln", request_id)
    assert outcome.state == "failed" and reason in outcome.detail
    rejected = await hub.seen.wait_for(
        lambda m: m.topic == "meterhub/pln/rejected" and b"token_entry" in m.payload
    )
    assert reason in json.loads(rejected.payload)["reason"]
    about = json.loads(rejected.payload)["reading"]
    assert about["request_id"] == request_id
    assert about["token"] == (f"…{token[-4:]}" if len(token) > 4 else token)  # money: masked
    (row,) = hub.attempts()
    assert row["state"] == "failed" and row["detail"].startswith("refused:")
    assert hub.commands("pln") == []


async def test_requests_that_cannot_be_typed_anywhere_are_refused(hub: Hub):
    unknown = await hub.send("ghost", make_token(20.0, serial=4))
    assert "unknown device" in (await hub.outcome("ghost", unknown)).detail
    await hub.bus.publish("meterhub/pln/token/set", b'{"request_id": "r-1", "tokn": "1"}')
    broken = await hub.outcome("pln", "r-1")
    assert broken.state == "failed" and "token: Field required" in broken.detail
    await hub.bus.publish("meterhub/pln/keypad/ack", b'{"state": "done"}')
    await hub.seen.wait_for(lambda m: b"invalid keypad ack" in m.payload)
    assert hub.commands("pln") == [] and hub.commands("ghost") == []


async def test_a_token_already_entered_or_waiting_is_refused(hub: Hub):
    token = make_token(20.0, serial=5)
    first = await hub.send("pln", token)
    again_now = await hub.send("pln", token)
    waiting = await hub.outcome("pln", again_now)
    assert waiting.state == "failed" and "already waiting to be typed" in waiting.detail
    assert (await hub.outcome("pln", first)).state == "verified"

    again_later = await hub.send("pln", grouped(token).replace(" ", "-"), source="web")
    refused = await hub.outcome("pln", again_later)
    assert refused.state == "failed" and "was already entered on this meter" in refused.detail
    assert "from telegram" in refused.detail
    assert len(hub.commands("pln")) == 1


async def test_the_meter_refusing_a_token_fails_it_and_leaves_the_balance(hub: Hub):
    good = make_token(20.0, serial=6)
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)  # one digit off: check digits fail
    outcome = await hub.outcome("pln", await hub.send("pln", wrong))
    assert outcome.state == "failed"
    assert f"keypad error after {KEYS} of {KEYS} keys: meter shows REJECT" in outcome.detail
    assert "not typed again" in outcome.detail
    (typed,) = read_keypad_log(hub.config.storage.data_dir, "pln")
    assert typed["shown"] == "REJECT" and typed["balance_kwh"] == START_KWH


async def test_an_error_ack_fails_the_token_and_it_is_not_retyped(hub: Hub):
    request_id = await hub.send("jam", make_token(20.0, serial=7))
    outcome = await hub.outcome("jam", request_id)
    assert outcome.state == "failed"
    assert f"keypad error after 7 of {KEYS} keys: solenoid jammed after 7 keys" in outcome.detail
    await _answered_later(hub, "jam")
    assert len(hub.commands("jam")) == 1
    assert hub.attempts()[0]["state"] == "failed"


async def test_a_keypad_that_stops_answering_times_out_and_is_not_retyped(hub: Hub):
    loop = asyncio.get_running_loop()
    started = loop.time()
    request_id = await hub.send("mute", make_token(20.0, serial=8))
    outcome = await hub.outcome("mute", request_id)
    elapsed = loop.time() - started
    assert outcome.state == "failed"
    # Margin 1 s + 41 presses of 10 ms with 10 ms gaps = 1.81 s; then the balance decides.
    assert outcome.detail.startswith(
        f"no answer from the keypad in 1.8 s after 3 of {KEYS} keys; the balance did not rise "
        "(127.00 → 127.00 kWh)"
    )
    assert [s.state for s in hub.states("mute", request_id)][-2:] == ["typed", "failed"]
    assert elapsed >= 1.8
    await _answered_later(hub, "mute")
    assert len(hub.commands("mute")) == 1
    (typed,) = read_keypad_log(hub.config.storage.data_dir, "mute")
    assert len(typed["presses"]) == 3


async def test_a_keypad_whose_acks_were_lost_is_judged_by_the_balance(hub: Hub):
    """The keypad typed the token but its acks never came: the timeout is not a verdict,
    the fresh balance photographed after it is."""
    request_id = await hub.send("deaf", make_token(20.0, serial=12))
    outcome = await hub.outcome("deaf", request_id)
    assert outcome.state == "verified", outcome.detail
    assert (outcome.balance_before_kwh, outcome.balance_after_kwh) == (127.0, 147.0)
    assert outcome.detail.startswith("no answer from the keypad in 1.8 s after 0 of 41 keys")
    assert outcome.detail.endswith("balance 127.00 → 147.00 kWh (+20.00)")
    assert [s.state for s in hub.states("deaf", request_id)][-2:] == ["typed", "verified"]
    assert len(hub.commands("deaf")) == 1


async def _answered_later(hub: Hub, device: str) -> None:
    """A later request's answer: whatever the service would have done before, it has done."""
    request_id = await hub.send(device, "123")
    assert (await hub.outcome(device, request_id)).state == "failed"


async def test_after_a_restart_queued_tokens_are_typed_and_half_typed_ones_only_checked(
    broker, tmp_path, start_hub
):
    config = hub_config(broker, tmp_path / "data")
    store = AttemptStore(config.storage.sqlite_path)
    token = make_token(20.0, serial=9)
    half = store.add("pln", "was-typing", "web", make_token(1.0, serial=10), "typing", "")
    queued = store.add("pln", "was-queued", "web", token, "queued", "next to be typed")
    assert half and queued
    half.balance_before_kwh = START_KWH
    store.update(half)
    store.close()

    hub = await start_hub()
    interrupted = await hub.outcome("pln", "was-typing")
    assert interrupted.state == "failed"
    assert interrupted.detail.startswith(
        "typing was interrupted by a restart; the balance did not rise (127.00 → 127.00 kWh)"
    )
    resumed = await hub.outcome("pln", "was-queued")
    assert resumed.state == "verified", resumed.detail
    assert [c.keys for c in hub.commands("pln")] == [CLEAR + token + "E"]
