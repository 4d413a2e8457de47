"""/photo, /history, /status and /peak: what the chat sees of each meter."""

from __future__ import annotations

from datetime import timedelta

import cv2
import numpy as np

from services.core.messages import Alarm, Reading
from tests.notifier.conftest import OWNER, START
from tests.notifier.test_balance_checks import write_history

DEVICES = {
    "pln": {"name": "PLN", "kind": "camera", "ocr": {"digits": 6, "decimals": 2}},
    "p1": {"name": "Fluvius", "kind": "p1"},
}


def _decoded(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "not an image"
    return image


async def test_photo_prefers_the_annotated_frame_and_says_when_there_is_none(start_bot):
    rig = await start_bot(devices=DEVICES)
    await rig.reply("/kirimgambar", "❌ Gambar belum tersedia.")
    folder = rig.config.storage.data_dir / "images" / "pln"
    folder.mkdir(parents=True)
    raw = cv2.imencode(".jpg", np.full((40, 80, 3), 30, np.uint8))[1].tobytes()
    (folder / "latest.jpg").write_bytes(raw)
    photo = await rig.reply("/photo", "📷 Gambar terakhir")
    assert photo.method == "sendPhoto" and photo.files["photo"] == raw
    assert photo.text.startswith("📷 Gambar terakhir\nPLN")

    annotated = cv2.imencode(".jpg", np.full((40, 80, 3), 200, np.uint8))[1].tobytes()
    (folder / "annotated.jpg").write_bytes(annotated)
    await rig.say("/kirimgambar")
    await rig.api.wait_for(lambda c: c.method == "sendPhoto" and c.files["photo"] == annotated)


async def test_history_is_a_png_chart_of_the_last_week(start_bot):
    rig = await start_bot(devices=DEVICES)
    await rig.reply("/history", "❌ Belum ada riwayat untuk PLN.")
    path = rig.config.storage.sqlite_path
    week = [(START - timedelta(hours=h), 100 + h * 0.4) for h in range(0, 7 * 24, 2)]
    write_history(path, "pln", "token_balance_kwh", week)
    counter = [(START - timedelta(hours=h), 5000 - h * 0.5) for h in range(0, 7 * 24)]
    write_history(path, "p1", "energy_import_kwh", counter)

    chart = await rig.reply("/riwayat", "📈 PLN: 7 hari terakhir")
    assert chart.method == "sendPhoto" and chart.files["photo"].startswith(b"\x89PNG")
    assert _decoded(chart.files["photo"]).shape[:2] == (400, 800)

    bars = await rig.reply("/history p1", "📈 Fluvius: 7 hari terakhir")
    assert (
        bars.files["photo"].startswith(b"\x89PNG") and bars.files["photo"] != chart.files["photo"]
    )


async def test_status_lists_every_meter_with_its_age_and_peak_shows_the_quarter(start_bot):
    rig = await start_bot(devices=DEVICES)
    await rig.reply("/peak", "❌ Belum ada data puncak daya")
    pln = Reading(
        device="pln",
        ts=START - timedelta(minutes=3),
        source="ocr",
        values={"token_balance_kwh": 127.5},
    )
    p1 = Reading(
        device="p1",
        ts=START,
        source="p1",
        values={
            "power_w": 1830,
            "energy_import_kwh": 4521.25,
            "quarter_avg_power_w": 1200,
            "month_peak_power_w": 3400,
            "power_import_w": 1830,
        },
    )
    for reading in (pln, p1):
        await rig.meters.publish(f"meterhub/{reading.device}/reading", reading.to_payload())
    await rig.meters.publish("meterhub/p1/availability", "offline", retain=True)
    # The bot handles its bus messages in the order they were published: once it has
    # answered this alarm, it has taken in the readings and availability sent before it.
    await rig.meters.publish("meterhub/pln/alarm", Alarm(kind="beep", ts=START).to_payload())
    await rig.api.wait_sent(OWNER, "suara bip")

    status = await rig.reply("/status", "Fluvius")
    lines = status.text.splitlines()
    assert lines[0] == "📊 Status meter"
    assert lines[1] == "🟢 PLN (3 menit lalu): Sisa token 127,50 kWh"
    assert lines[2].startswith("🔴 Fluvius (baru saja): Daya 1,83 kW, Energi impor 4.521,250 kWh")

    peak = await rig.reply("/puncak", "Perkiraan akhir kuartal")
    # 11:59 in Jakarta is 04:59 UTC: 14 of 15 minutes gone at 1.2 kW, the last at 1.83 kW.
    assert "Puncak bulan ini: 3,40 kW" in peak.text
    assert "Kuartal sekarang: 1,20 kW" in peak.text
    assert "Perkiraan akhir kuartal: 1,24 kW" in peak.text
