"""/koreksi and /correct in reply to a photo: the frame becomes a training example and
storage keeps the value as a manual reading (real Mosquitto, SQLite, Bot API fake)."""

from __future__ import annotations

import json
import sqlite3

import cv2
import numpy as np

from services.domain.recent_frames import FrameRecord, RecentFrames
from services.domain.training_examples import TrainingExamples
from tests.notifier.conftest import OWNER, START


def _frame(data_dir) -> bytes:
    jpeg = cv2.imencode(".jpg", np.full((60, 120, 3), 90, np.uint8))[1].tobytes()
    boxes = [(10 + 16 * i, 10, 14, 30) for i in range(6)]
    record = FrameRecord(frame_id="f9", ts=START, boxes=boxes, reason="digit 3: unsure")
    assert RecentFrames(data_dir).add("pln", jpeg, record)
    folder = data_dir / "images" / "pln"
    (folder / "latest.jpg").write_bytes(jpeg)
    return jpeg


async def test_a_reply_to_a_photo_corrects_that_frame(start_bot):
    rig = await start_bot(services=("storage",))
    data_dir = rig.config.storage.data_dir
    jpeg = _frame(data_dir)

    await rig.reply("/koreksi 126,95", "sebagai balasan ke foto")  # not a reply: which photo?
    photo = await rig.reply("/foto", "/koreksi <angka di layar>")
    await rig.api.user_says(OWNER, "/koreksi 12,3,4", reply_to=photo.params["message_id"])
    await rig.api.wait_sent(OWNER, "misalnya /koreksi 126,95")
    await rig.api.user_says(OWNER, "/koreksi 126,95", reply_to=photo.params["message_id"])
    await rig.api.wait_sent(OWNER, "✅ PLN: 012695 disimpan sebagai bacaan manual")

    message = await rig.bus_seen.wait_for(lambda m: m.topic == "meterhub/pln/correction")
    sent = json.loads(message.payload)
    assert (sent["value"], sent["frame_id"], sent["via"]) == (126.95, "f9", "telegram")
    assert sent["who"] == f"chat {OWNER}" and sent["example"] == "f9"
    await rig.bus_seen.wait_for(
        lambda m: (
            m.topic == "meterhub/pln/state"
            and json.loads(m.payload).get("token_balance_kwh") == 126.95
        )
    )
    [example] = TrainingExamples(data_dir).list("pln")
    assert example.label == "012695" and example.reason == "digit 3: unsure"
    assert TrainingExamples(data_dir).image("pln", "f9") == jpeg
    with sqlite3.connect(rig.config.storage.sqlite_path) as db:
        assert db.execute("SELECT source, value FROM readings").fetchall() == [("manual", 126.95)]
        assert db.execute("SELECT who, via FROM corrections").fetchall() == [
            (f"chat {OWNER}", "telegram")
        ]


async def test_correct_in_english_refuses_what_the_display_cannot_show(start_bot):
    rig = await start_bot(telegram={"language": "en"})
    _frame(rig.config.storage.data_dir)
    photo = await rig.reply("/photo", "/correct <value shown>")
    await rig.api.user_says(OWNER, "/correct 1234567", reply_to=photo.params["message_id"])
    await rig.api.wait_sent(OWNER, "❌ Not taken: the display has 6 digits")
