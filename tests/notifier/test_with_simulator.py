"""/cektoken end to end: the simulated PLN meter's camera, the OCR worker and the bot."""

from __future__ import annotations

import pytest

from services.core.simulator_truth import read_truth
from tests.notifier.conftest import OWNER
from tests.notifier.lang_helpers import indonesian_kwh

pytestmark = pytest.mark.slow

SIMULATED = {
    "enabled": True,
    "meters": {
        # One photo at start, then only on request; the balance falls fast, so every
        # photo shows a different value.
        "pln": {
            "type": "prepaid_camera",
            "balance_kwh": 127.0,
            "frame_interval_s": 3600,
            "time_scale": 36000,
        },
    },
}


async def test_cektoken_answers_with_the_balance_the_simulated_meter_shows(start_bot):
    rig = await start_bot(
        services=("ocr_worker", "simulator"),
        telegram={"capture_timeout_s": 30},
        simulator=SIMULATED,
    )
    await rig.say("/cektoken")
    await rig.api.wait_sent(OWNER, "📸 Mengambil gambar...")
    answer = await rig.api.wait_sent(OWNER, "✅ Sisa token kamu:", timeout=30)
    # The frame taken for this request carries its request_id; the simulator recorded what
    # its LCD showed in that frame.
    frame = next(
        m
        for m in rig.bus_seen.messages
        if m.topic == "meterhub/pln/frame" and m.user_properties.get("request_id")
    )
    truth = read_truth(rig.config.storage.data_dir, "pln")
    shown = truth["frames"][frame.user_properties["frame_id"]]["value"]
    assert answer.text == f"✅ Sisa token kamu:\n{indonesian_kwh(shown)}"
    first = min(f["value"] for f in truth["frames"].values())
    assert len(truth["frames"]) >= 2 and shown == first  # not the start-up frame's value


async def test_cektoken_on_a_cycling_meter_answers_with_the_balance_of_its_burst(start_bot):
    """The meter shows a date, the balance and a tariff code in turn, one per photo.
    /cektoken asks for a burst (2 photos here): the first /cektoken's burst begins on the
    balance, the second's on the date, and both are answered with the balance."""
    cycling = {"pln": {**SIMULATED["meters"]["pln"], "cycling": True}}
    rig = await start_bot(
        services=("ocr_worker", "simulator"),
        devices={"pln": {"kind": "camera", "ocr": {"digits": 6, "decimals": 2, "cycling": True}}},
        telegram={"capture_timeout_s": 30, "cektoken_burst": 2},
        simulator={**SIMULATED, "meters": cycling},
    )
    answers = []
    for asked in (1, 2):
        await rig.say("/cektoken")
        await rig.api.wait_for(
            lambda c, n=asked: (
                len([s for s in rig.api.sent_to(OWNER) if "✅ Sisa token kamu:" in s.text]) == n
            ),
            timeout=30,
        )
        answers.append([s for s in rig.api.sent_to(OWNER) if "✅ Sisa token kamu:" in s.text][-1])
        await rig.bus_seen.wait_for(  # the burst's last photo, before the next /cektoken
            lambda m, n=asked: len(_burst_frames(rig.bus_seen.messages)) == 2 * n
        )
    requests: dict[str, list[str]] = {}
    for m in _burst_frames(rig.bus_seen.messages):
        requests.setdefault(m.user_properties["request_id"], []).append(
            m.user_properties["frame_id"]
        )
    truth = read_truth(rig.config.storage.data_dir, "pln")["frames"]
    bursts = [[truth[f] for f in frames] for frames in requests.values()]
    assert [[f["register"] for f in burst] for burst in bursts] == [
        ["balance", "tariff"],  # the start-up photo showed the date
        ["date", "balance"],
    ]
    for answer, burst in zip(answers, bursts, strict=True):
        [shown] = [f["value"] for f in burst if f["register"] == "balance"]
        assert answer.text == f"✅ Sisa token kamu:\n{indonesian_kwh(shown)}"
    assert not any("⚠" in call.text for call in rig.api.sent_to(OWNER))


def _burst_frames(messages):
    return [
        m
        for m in messages
        if m.topic == "meterhub/pln/frame" and m.user_properties.get("request_id")
    ]
