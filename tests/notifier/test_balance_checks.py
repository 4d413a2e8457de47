"""/cektoken and the scheduled checks, with the test playing the ESP32-CAM + OCR."""

from __future__ import annotations

from datetime import timedelta

from services.core.messages import CaptureRequest, Reading, Rejected
from services.storage.store import ReadingStore
from tests.notifier.conftest import FAMILY, OWNER, START


def _camera_answers(rig, *, value: float | None = None, reason: str | None = None):
    """Answer each cmd/capture as the camera and OCR worker would: a reading or a rejection."""

    answered: set[str] = set()

    async def answer(message) -> None:
        request = CaptureRequest.from_payload(message.payload)
        if request.request_id in answered:
            return  # the test's connection has two matching filters: each arrives twice
        answered.add(request.request_id)
        if value is not None:
            reading = Reading(
                device="pln",
                ts=rig.clock.now(),
                source="ocr",
                values={"token_balance_kwh": value},
                request_id=request.request_id,
            )
            await rig.meters.publish("meterhub/pln/reading", reading.to_payload())
        elif reason is not None:
            for shot in range(request.burst):  # each photo of the burst, refused
                rejected = Rejected(
                    device="pln",
                    source="ocr",
                    reason=reason,
                    reading={"frame_id": f"f{shot}", "request_id": request.request_id},
                )
                await rig.meters.publish("meterhub/pln/rejected", rejected.to_payload())

    rig.meters.subscribe("meterhub/pln/cmd/capture", answer)


async def test_cektoken_answers_like_the_original_bot(start_bot):
    rig = await start_bot()
    _camera_answers(rig, value=45678.0)
    await rig.say("/cektoken")
    first = await rig.api.wait_sent(OWNER, "📸 Mengambil gambar...")
    answer = await rig.api.wait_sent(OWNER, "✅ Sisa token kamu:\n45.678,00 kWh")
    assert first.params["message_id"] < answer.params["message_id"]


def write_history(path, device: str, quantity: str, points) -> None:
    """History written by storage's own store (readings and the roll-ups the forecast reads)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    store = ReadingStore(path)
    try:
        store.ingest(
            [Reading(device=device, ts=ts, source="ocr", values={quantity: value})
             for ts, value in points]
        )  # fmt: skip
    finally:
        store.close()


async def test_balance_alias_in_english_with_days_left_from_history(start_bot):
    rig = await start_bot()
    # A week of history, 10 kWh a day, with a top-up in the middle (not counted as use).
    week = [
        (START - timedelta(days=7) + timedelta(hours=h), 200 - h * 10 / 24 + (50 if h > 80 else 0))
        for h in range(0, 7 * 24, 3)
    ]
    write_history(rig.config.storage.sqlite_path, "pln", "token_balance_kwh", week)
    _camera_answers(rig, value=127.0)
    await rig.reply("/language en", "Language: English")
    answer = await rig.reply("/balance", "Your remaining balance:\n127.00 kWh")
    # 165 h of 10 kWh/day, less the 1.25 kWh hidden in the 3 h that held the top-up (the
    # first three hours anchor the window); the day with the top-up widens the spread.
    assert "≈ 13 days left, ±0.2 (use 9.82 kWh/day over the last 6.9 days)" in answer.text
    # /status gives storage's forecast at the newest balance: the same figure.
    status = await rig.reply("/status", "Meter status")
    assert "≈ 13 days left, ±0.2 (use 9.82 kWh/day" in status.text


async def test_cektoken_says_so_when_the_camera_is_silent_and_gives_the_last_value(start_bot):
    rig = await start_bot(telegram={"capture_timeout_s": 0.5})
    old = Reading(
        device="pln",
        ts=START - timedelta(minutes=42),
        source="ocr",
        values={"token_balance_kwh": 88.5},
    )
    await rig.meters.publish("meterhub/pln/reading", old.to_payload())
    await rig.bus_seen.wait_for(lambda m: m.topic == "meterhub/pln/reading")
    answer = await rig.reply("/cektoken", "Kamera tidak menjawab")
    assert "Nilai terakhir: 88,50 kWh (42 menit lalu)" in answer.text
    assert "Sisa token kamu" not in answer.text


async def test_rejected_ocr_is_reported_honestly_never_guessed(start_bot):
    rig = await start_bot()
    _camera_answers(rig, reason="digit 3 unreadable (glare)")
    answer = await rig.reply("/cektoken", "❌ Gagal membaca angka dari gambar.")
    assert "digit 3 unreadable (glare)" in answer.text
    assert "Belum ada nilai" in answer.text and "Sisa token kamu" not in answer.text


async def test_schedule_fires_at_its_time_and_persists_across_a_restart(start_bot):
    rig = await start_bot()
    _camera_answers(rig, value=127.0)
    listed = await rig.reply("/schedule", "• 12:00")
    assert "Asia/Jakarta" in listed.text
    # The default 12:00 check fires when the clock passes 12:00 Jakarta time, once.
    rig.clock.advance(timedelta(minutes=1, seconds=30))
    scheduled = await rig.api.wait_sent(OWNER, "🤖 Pengecekan otomatis jam 12:00")
    assert scheduled.text == "🤖 Pengecekan otomatis jam 12:00\n✅ Sisa token kamu:\n127,00 kWh"
    await rig.api.wait_sent(FAMILY, "🤖 Pengecekan otomatis jam 12:00")

    updated = await rig.reply("/setjadwal 16:01 16.05", "✅ Jadwal diperbarui:")
    assert updated.text == "✅ Jadwal diperbarui:\n16:01 dan 16:05"
    rig.clock.advance(timedelta(hours=4, minutes=1))  # 16:01:30
    await rig.api.wait_sent(OWNER, "🤖 Pengecekan otomatis jam 16:01")
    # The family group kept its own schedule (12:00 only), and 12:00 did not fire twice.
    await rig.reply("/schedule remove 16:05", "16:01")  # the clock moves on once it is gone
    rig.clock.advance(timedelta(minutes=10))
    await rig.reply("/status", "Status meter")
    owner_checks = [c.text for c in rig.api.sent_to(OWNER) if c.text.startswith("🤖")]
    assert [t.splitlines()[0] for t in owner_checks] == [
        "🤖 Pengecekan otomatis jam 12:00",
        "🤖 Pengecekan otomatis jam 16:01",
    ]
    assert len([c for c in rig.api.sent_to(FAMILY) if c.text.startswith("🤖")]) == 1

    # A new bot process on the same database keeps what the owner chose.
    again = await start_bot(clock=rig.clock)
    listed = await again.reply("/jadwal", "Pengecekan otomatis (Asia/Jakarta)")
    assert listed.text.endswith("• 16:01")


async def test_a_late_wake_up_fires_but_a_stale_slot_is_skipped(start_bot):
    rig = await start_bot()
    _camera_answers(rig, value=50.0)
    await rig.reply("/setjadwal 12:00 13:00", "12:00 dan 13:00")
    rig.clock.advance(timedelta(hours=1, minutes=5))  # 13:04: 12:00 is over GRACE old
    await rig.api.wait_sent(OWNER, "jam 13:00")
    # A 12:00 check would have asked the camera before the 13:00 one was answered.
    # (Each capture arrives twice here: the test's connection has two matching filters.)
    captures = {m.payload for m in rig.bus_seen.messages if m.topic.endswith("/cmd/capture")}
    assert len(captures) == 1
    assert not [c for c in rig.api.sent_to(OWNER) if "jam 12:00" in c.text]
