"""/status with prices: what today, this month and last month cost, and the capacity share."""

from __future__ import annotations

from datetime import timedelta

from services.core.messages import Alarm, CapacityState, Reading
from tests.notifier.conftest import OWNER, START
from tests.notifier.test_balance_checks import write_history

DEVICES = {
    "pln": {
        "name": "PLN",
        "kind": "camera",
        "ocr": {"digits": 6, "decimals": 2},
        "prices": {
            "currency": "IDR",
            "history": [{"valid_from": "2026-01-01", "per_kwh": {"all": 1444.7}}],
        },
    },
    "p1": {
        "name": "Fluvius",
        "kind": "p1",
        "prices": {
            "grid_region": "west",
            "history": [{"valid_from": "2026-01-01", "per_kwh": {"t1": 0.4, "t2": 0.25}}],
        },
    },
}


async def test_status_says_what_each_meter_cost_and_what_the_peak_adds(start_bot):
    rig = await start_bot(devices=DEVICES)
    # 0.5 kWh an hour for the 30 hours before START (22 Nov, 04:59 UTC; storage in UTC).
    falling = [(START - timedelta(hours=h), 100 + h * 0.5) for h in range(30)]
    write_history(rig.config.storage.sqlite_path, "pln", "token_balance_kwh", falling)
    p1 = Reading(device="p1", ts=START, source="p1", values={"power_w": 5500.0})
    await rig.meters.publish("meterhub/p1/reading", p1.to_payload())
    state = CapacityState(
        device="p1", ts=START, quarter_start=START - timedelta(minutes=14),
        quarter_avg_power_w=5400.0, predicted_quarter_power_w=5500.0, new_peak_predicted=True,
        month="2026-11", month_peak_power_w=4000.0, month_peak_at=START - timedelta(days=2),
        month_peak_source="meter", billed_average_w=None, months_averaged=0, floor_w=2500.0,
        estimated_cost_eur_year=None,
    )  # fmt: skip
    await rig.meters.publish("meterhub/p1/capacity", state.to_payload(), retain=True)
    # Bus messages are handled in order: once the alarm is answered, both are in.
    await rig.meters.publish("meterhub/pln/alarm", Alarm(kind="beep", ts=START).to_payload())
    await rig.api.wait_sent(OWNER, "suara bip")

    status = await rig.reply("/status", "Biaya")
    lines = status.text.splitlines()
    # Today 5 falls of 0.5 kWh (00:59..04:59), this month also 21 Nov's 24: 14.5 kWh.
    assert "💶 Biaya: hari ini Rp3.612, bulan ini Rp20.948, bulan lalu Rp0" in lines
    assert "💶 Biaya: hari ini €0,00, bulan ini €0,00, bulan lalu €0,00" in lines
    # A 4 kW peak: 4/12 of West's default yearly price (48.5 EUR/kW); the quarter 1.5 kW more.
    capacity = next(line for line in lines if line.startswith("⚡"))
    assert "menambah €16,17 ke tagihan setahun" in capacity
    assert "kuartal ini akan menambah €6,06" in capacity
    assert "harga kapasitas bawaan Fluvius west: mohon konfirmasi" in capacity

    await rig.reply("/language en", "English")
    english = await rig.reply("/status", "Cost")
    assert "💶 Cost: today IDR3,612, this month IDR20,948, last month IDR0" in english.text

    # Dutch and German: their words, their number and money formats (CLDR via Babel).
    await rig.reply("/language nl", "✅ Taal: Nederlands")
    dutch = (await rig.reply("/status", "Kosten")).text
    assert (
        "💶 Kosten: vandaag IDR\xa03.612, deze maand IDR\xa020.948, vorige maand IDR\xa00" in dutch
    )
    assert "De piek van deze maand voegt €\xa016,17 toe aan de jaarfactuur" in dutch
    assert "standaardprijs capaciteitstarief van Fluvius west" in dutch
    await rig.reply("/language de", "✅ Sprache: Deutsch")
    german = (await rig.reply("/status", "Kosten: heute")).text
    assert (
        "💶 Kosten: heute 3.612\xa0IDR, diesen Monat 20.948\xa0IDR, letzten Monat 0\xa0IDR"
        in german
    )
    assert "erhöht die Jahresrechnung um 16,17\xa0€" in german
