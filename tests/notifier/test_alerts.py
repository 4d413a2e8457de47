"""Each alert fires once when its condition starts, and not again while it holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.core.messages import OTHER_REGISTER, Alarm, Reading, Rejected
from services.notifier.alerts import Latch, projected_quarter_w
from tests.notifier.conftest import FAMILY, OWNER, FakeClock

DEVICES = {
    "pln": {"name": "PLN", "kind": "camera", "ocr": {"digits": 6, "decimals": 2}},
    "p1": {"name": "Fluvius", "kind": "p1"},
}
QUARTER_HALF_WAY = datetime(2026, 11, 22, 14, 7, 30, tzinfo=UTC)


def _texts(rig, chat: int, contains: str) -> list[str]:
    return [c.text for c in rig.api.sent_to(chat) if contains in c.text]


async def _reading(rig, device: str, **values: float) -> None:
    reading = Reading(device=device, ts=rig.clock.now(), source="ocr", values=values)
    await rig.meters.publish(f"meterhub/{device}/reading", reading.to_payload())


async def _settled(rig, n: int) -> None:
    """The bot has handled everything published before: the bus hands messages to it in
    order and alerts go out in order, so a fresh alert for a throwaway device marks it."""
    await _reading(rig, f"barrier{n}", token_balance_kwh=0.0)
    await rig.api.wait_sent(OWNER, f"📟 barrier{n}")


async def _beep(rig) -> None:
    alarm = Alarm(kind="beep", ts=rig.clock.now())
    await rig.meters.publish("meterhub/pln/alarm", alarm.to_payload())


async def test_every_alert_fires_once_while_its_condition_holds(start_bot):
    rig = await start_bot(devices=DEVICES, clock=FakeClock(QUARTER_HALF_WAY))
    api = rig.api

    # Low balance: 25 is fine, 19 crosses 20 kWh, 18 and 17 are the same episode.
    for balance in (25.0, 19.0, 18.0, 17.0):
        await _reading(rig, "pln", token_balance_kwh=balance)
    # OCR rejections: the third in a row alerts, the fourth and fifth do not. A cycling
    # display showing another register between them is no failure and counts for nothing.
    for n in range(5):
        rejected = Rejected(device="pln", source="ocr", reason=f"glare {n}", reading={})
        await rig.meters.publish("meterhub/pln/rejected", rejected.to_payload())
        other = Rejected(device="pln", source="ocr", reason=OTHER_REGISTER, reading={})
        await rig.meters.publish("meterhub/pln/rejected", other.to_payload())
    rejects = await api.wait_sent(OWNER, "3 gambar berturut-turut tidak terbaca")
    assert "glare 2" in rejects.text
    # Alerts go out in the order they happened: everything above has been sent by now.
    assert _texts(rig, OWNER, "Token hampir habis: sisa") == [
        "🪫 Token hampir habis: sisa 19,00 kWh\n📟 PLN"
    ]
    assert len(_texts(rig, OWNER, "berturut-turut")) == 1

    # Capacity tariff: 14:07:30 UTC, half way through the quarter. Running average 2.0 kW,
    # drawing 4.0 kW now: the quarter heads for 3.0 kW, over the 2.8 kW month peak.
    await _reading(rig, "p1", quarter_avg_power_w=1500, month_peak_power_w=2800, power_w=1500)
    await _reading(rig, "p1", quarter_avg_power_w=2000, month_peak_power_w=2800, power_w=4000)
    await _reading(rig, "p1", quarter_avg_power_w=2100, month_peak_power_w=2800, power_w=4000)
    capacity = await api.wait_sent(OWNER, "kuartal ini menuju")
    assert "3,00 kW" in capacity.text and "2,80 kW" in capacity.text
    assert "sampai 21:15" in capacity.text  # the quarter's end, Jakarta time

    # Beeping: one message per cooldown.
    await _beep(rig)
    await _beep(rig)
    await _settled(rig, 1)
    rig.clock.advance(timedelta(seconds=61))
    await _beep(rig)
    await _settled(rig, 2)
    assert _texts(rig, OWNER, "🔊") == ["🔊 Token hampir habis — suara bip terdeteksi!"] * 2
    assert len(_texts(rig, OWNER, "kuartal ini menuju")) == 1

    # Offline: 31 minutes of silence from both meters, then 31 more: one alert each.
    rig.clock.advance(timedelta(minutes=31))
    await api.wait_sent(OWNER, "📴 Fluvius tidak mengirim data")
    await api.wait_sent(OWNER, "📴 PLN tidak mengirim data")
    rig.clock.advance(timedelta(minutes=31))
    await _reading(rig, "pln", token_balance_kwh=16.0)
    await api.wait_sent(OWNER, "✅ PLN kembali mengirim data.")
    assert len(_texts(rig, OWNER, "📴 PLN")) == 1
    assert len(_texts(rig, OWNER, "📴 Fluvius")) == 1
    assert len(_texts(rig, OWNER, "kWh\n📟 PLN")) == 1  # 16 kWh: still the same episode

    # Every allowlisted chat got the same alerts, in its own language.
    await api.wait_sent(FAMILY, "✅ PLN kembali mengirim data.")
    assert [c.text for c in api.sent_to(FAMILY)] == [c.text for c in api.sent_to(OWNER)]


def test_latch_rearms_when_the_condition_clears_but_honours_the_rate_limit():
    latch = Latch(timedelta(hours=1))
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    key = ("low_balance", "pln")
    assert latch.starts(key, True, t0)
    assert not latch.starts(key, True, t0 + timedelta(minutes=5))
    assert not latch.starts(key, False, t0 + timedelta(minutes=10))  # top-up
    assert not latch.starts(key, True, t0 + timedelta(minutes=20))  # flapping: rate-limited
    assert not latch.starts(key, False, t0 + timedelta(minutes=70))
    assert latch.starts(key, True, t0 + timedelta(minutes=80))


def test_quarter_projection_blends_the_running_average_with_the_power_now():
    at = datetime(2026, 1, 1, 10, 5, tzinfo=UTC)  # a third of the quarter gone
    assert projected_quarter_w(3000, 0, at) == 1000
    assert projected_quarter_w(3000, None, at) == 3000
    assert projected_quarter_w(1200, 1200, at.replace(minute=14, second=59)) == 1200


async def test_the_gateways_capacity_prediction_alerts_once_and_feeds_peak(start_bot):
    from services.core.messages import CapacityState

    rig = await start_bot(devices=DEVICES, clock=FakeClock(QUARTER_HALF_WAY))

    def state(predicted: float, over: bool) -> bytes:
        return CapacityState(
            device="p1",
            ts=rig.clock.now(),
            quarter_start=QUARTER_HALF_WAY.replace(minute=0, second=0),
            quarter_avg_power_w=2000,
            predicted_quarter_power_w=predicted,
            new_peak_predicted=over,
            month="2026-11",
            month_peak_power_w=2800,
            month_peak_at=None,
            month_peak_source="meter",
            billed_average_w=None,
            months_averaged=0,
            floor_w=2500,
            estimated_cost_eur_year=None,
        ).to_payload()

    for predicted, over in ((2600, False), (3100, True), (3200, True)):
        await rig.meters.publish("meterhub/p1/capacity", state(predicted, over), retain=True)
    alert = await rig.api.wait_sent(OWNER, "kuartal ini menuju")
    assert "3,10 kW" in alert.text and "2,80 kW" in alert.text and "21:15" in alert.text
    # The registers in a reading do not raise a second alert: the gateway's view counts.
    await _reading(rig, "p1", quarter_avg_power_w=2000, month_peak_power_w=2800, power_w=4000)
    await _settled(rig, 1)
    assert len(_texts(rig, OWNER, "kuartal ini menuju")) == 1
    peak = await rig.reply("/peak p1", "Perkiraan akhir kuartal: 3,20 kW")
    assert "Puncak bulan ini: 2,80 kW" in peak.text and "Kuartal sekarang: 2,00 kW" in peak.text


async def test_a_reading_that_jumped_is_told_and_a_normal_one_is_not(start_bot):
    rig = await start_bot(devices=DEVICES, clock=FakeClock(QUARTER_HALF_WAY))
    normal = Reading(
        device="pln", ts=rig.clock.now(), source="ocr", values={"token_balance_kwh": 125.0}
    )
    await rig.meters.publish("meterhub/pln/reading", normal.to_payload())
    await _settled(rig, 1)
    assert not _texts(rig, OWNER, "melompat")

    jumped = normal.model_copy(
        update={"corrected_from": 999.99, "values": {"token_balance_kwh": 124.5}}
    )
    await rig.meters.publish("meterhub/pln/reading", jumped.to_payload())
    alert = await rig.api.wait_sent(OWNER, "angka meter melompat")
    assert alert.text.startswith("↕️ PLN: angka meter melompat dari 999,99 kWh ke 124,50 kWh.")
