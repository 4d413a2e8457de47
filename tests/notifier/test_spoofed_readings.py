"""A device speaks only for itself: the bot takes a reading's meter from its topic.

The broker lets a device publish on its own topics only, so the topic is the meter's
one trustworthy name; a payload naming another meter, or stamped ahead of the clock,
must not become the balance /status shows.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from services.core.messages import Alarm, Reading, utc_now
from tests.notifier.conftest import OWNER, START
from tests.notifier.test_pictures_and_status import DEVICES

# What p1 may publish on its own reading topic: pln's balance, stamped to stay newest.
SPOOF = {
    "device": "pln",
    "ts": "2099-01-01T00:00:00Z",
    "source": "p1",
    "values": {"token_balance_kwh": 888},
}


def _pln(kwh: float, ts: datetime) -> bytes:
    reading = Reading(device="pln", ts=ts, source="ocr", values={"token_balance_kwh": kwh})
    return reading.to_payload()


async def test_status_shows_no_balance_from_another_topic_the_future_or_the_past(start_bot):
    rig = await start_bot(devices=DEVICES)
    await rig.meters.publish("meterhub/pln/reading", _pln(127.5, START - timedelta(minutes=3)))
    await rig.meters.publish("meterhub/p1/reading", json.dumps(SPOOF))
    # pln's own clock an hour ahead of the wall clock (the bot's test clock only runs its
    # schedules; device clocks are judged by the wall clock, as storage judges them)
    await rig.meters.publish("meterhub/pln/reading", _pln(999, utc_now() + timedelta(hours=1)))
    await rig.meters.publish("meterhub/pln/reading", _pln(55, START - timedelta(hours=1)))
    # Handled in order: once the alarm is answered, the readings before it were taken in.
    await rig.meters.publish("meterhub/pln/alarm", Alarm(kind="beep", ts=START).to_payload())
    await rig.api.wait_sent(OWNER, "suara bip")

    status = await rig.reply("/status", "PLN")
    assert "🟢 PLN (3 menit lalu): Sisa token 127,50 kWh" in status.text.splitlines()
    assert not any(shown in status.text for shown in ("888", "999", "55,00"))
