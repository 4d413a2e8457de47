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
