"""Every service on its own broker user (`broker config --per-service-users`) still works.

Each service logs in with only the grants of services/broker/acl.py. The hub then does
its whole job — camera frames read by OCR, P1 telegrams parsed with capacity figures,
readings stored, Home Assistant discovery, a token typed and verified — and the broker
denied no publish. A grant missing for a subscription shows as a flow that never ends;
one missing for a publish shows in the broker's log.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from services.broker.acl import SERVICE_GRANTS
from services.core.messages import TokenSet, TokenState
from services.core.runtime import run_services
from services.core.runtime.health import Health
from services.registry import service_spec, specs_for
from services.simulator.prepaid import make_token
from tests.conftest import make_config
from tests.security.brokers import ACCEPTED, Client, generated_broker

pytestmark = pytest.mark.slow

DEVICES = ["pln", "p1"]
PASSWORDS = {grants.user: f"{grants.user}-secret" for grants in SERVICE_GRANTS.values()}
PASSWORDS |= {name: f"{name}-secret" for name in ("meterhub", "homeassistant", *DEVICES)}


async def _wait(client: Client, predicate, what: str, timeout: float = 30) -> tuple[str, bytes]:
    def found() -> tuple[str, bytes] | None:
        return next((m for m in list(client.messages) if predicate(*m)), None)

    deadline = asyncio.get_running_loop().time() + timeout
    while (message := found()) is None:
        assert asyncio.get_running_loop().time() < deadline, f"no {what} within {timeout}s"
        await asyncio.sleep(0.05)  # polling a thread's list, bounded by the deadline
    return message


async def test_each_service_with_its_own_user_does_its_job_and_is_never_denied(tmp_path: Path):
    broker = generated_broker(tmp_path / "broker", DEVICES, PASSWORDS, per_service=True)
    with broker:
        base = make_config(
            broker,
            tmp_path / "data",
            devices={
                "pln": {"kind": "camera", "ocr": {"display": "lcd7", "digits": 6, "decimals": 2}},
                "p1": {"kind": "p1"},
            },
            simulator={
                "enabled": True,
                "meters": {
                    "pln": {
                        "type": "prepaid_camera", "balance_kwh": 127.0, "load_w": 0,
                        "frame_interval_s": 3600, "keypad": {"time_scale": 20},
                    },
                    "p1": {"type": "p1", "interval_s": 0.5},
                },
            },
            token_entry={"settle_s": 0.2, "verify_timeout_s": 15},
        )  # fmt: skip
        observer = Client(broker.host, broker.port, "homeassistant", PASSWORDS["homeassistant"])
        observer.subscribe("meterhub/#")
        observer.subscribe("homeassistant/#")
        stop, health = asyncio.Event(), Health()
        runs = []
        for spec in specs_for("all", simulator_enabled=True):
            user = SERVICE_GRANTS[spec.name].user
            mqtt = base.mqtt.model_validate(
                {**base.mqtt.model_dump(), "username": user, "password": PASSWORDS[user]}
            )
            config = base.model_copy(update={"mqtt": mqtt})
            runs.append(run_services(config, [service_spec(spec.name)], stop=stop, health=health))
        services = asyncio.gather(*runs)
        try:
            for name in SERVICE_GRANTS:
                await asyncio.wait_for(health.wait_connected(name), 15)
            for topic in ("meterhub/pln/state", "meterhub/p1/state", "meterhub/p1/capacity"):
                await _wait(observer, lambda t, _, topic=topic: t == topic, topic)
            await _wait(
                observer,
                lambda t, p: t.startswith("homeassistant/sensor/") and t.endswith("/config") and p,
                "a discovery config",
            )
            request = TokenSet(token=make_token(20.0, serial=7), source="homeassistant")
            assert observer.publish("meterhub/pln/token/set", request.to_payload()) in ACCEPTED

            def final(topic: str, payload: bytes) -> bool:
                if topic != "meterhub/pln/token/state":
                    return False
                state = json.loads(payload)
                return state["request_id"] == request.request_id and state["state"] in (
                    "verified", "failed",
                )  # fmt: skip

            _, payload = await _wait(observer, final, "the token's outcome", timeout=60)
            outcome = TokenState.from_payload(payload)
            assert outcome.state == "verified", outcome.detail
        finally:
            stop.set()
            await asyncio.wait_for(services, 30)
            observer.close()
        assert broker.denied_publishes() == []
