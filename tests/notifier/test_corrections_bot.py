"""/koreksi and /correct in reply to a photo: the frame becomes a training example and
storage keeps the value as a manual reading (real Mosquitto, SQLite, Bot API fake)."""

from __future__ import annotations

import json
import sqlite3

import cv2
import numpy as np
import pytest

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


@pytest.mark.parametrize(
    ("language", "photo", "hint", "correct", "too_long", "negative"),
    [
        ("en", "/photo", "/correct <value shown>", "/correct",
         "❌ Not taken: the display has 6 digits; 1234567 does not fit.",
         "❌ Not taken: a meter display shows no negative values."),
        ("id", "/foto", "/koreksi <angka di layar>", "/koreksi",
         "❌ Tidak diterima: layar punya 6 digit; 1234567 tidak muat.",
         "❌ Tidak diterima: layar meter tidak menampilkan angka negatif."),
        ("nl", "/photo", "/correct <getoonde waarde>", "/correct",
         "❌ Niet aanvaard: het display heeft 6 cijfers; 1234567 past niet.",
         "❌ Niet aanvaard: een meterdisplay toont geen negatieve waarden."),
        ("de", "/photo", "/correct <angezeigter Wert>", "/correct",
         "❌ Nicht übernommen: die Anzeige hat 6 Stellen; 1234567 passt nicht.",
         "❌ Nicht übernommen: eine Zähleranzeige zeigt keine negativen Werte."),
    ],
)  # fmt: skip
async def test_correct_refuses_what_the_display_cannot_show_in_the_chats_language(
    start_bot, language, photo, hint, correct, too_long, negative
):
    rig = await start_bot(telegram={"language": language})
    _frame(rig.config.storage.data_dir)
    sent = await rig.reply(photo, hint)
    # 12345,67 on a display of 6 digits with 2 decimals takes 7 digits: 1234567.
    for value, refusal in (("12345,67", too_long), ("-5", negative)):
        await rig.api.user_says(OWNER, f"{correct} {value}", reply_to=sent.params["message_id"])
        await rig.api.wait_sent(OWNER, refusal)
