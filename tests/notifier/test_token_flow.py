"""/token: confirm button → token/set on the bus → the message follows token/state."""

from __future__ import annotations

import json

from services.core.messages import TokenSet, TokenState
from tests.notifier.conftest import FAMILY, OWNER

TOKEN = "1234 5678 9012 3456 7890"


def _buttons(call) -> list[tuple[str, str]]:
    rows = call.params["reply_markup"]["inline_keyboard"]
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


async def test_token_is_typed_only_after_confirmation_and_the_message_follows_its_state(start_bot):
    rig = await start_bot(telegram={"token_timeout_s": 10})
    api = rig.api
    token_sets = []

    async def keypad(message) -> None:  # plays token_entry
        request = TokenSet.from_payload(message.payload)
        if any(r.request_id == request.request_id for r in token_sets):
            return  # the test's connection has two matching filters: each arrives twice
        token_sets.append(request)
        for step, detail in (("queued", ""), ("typing", ""), ("verified", "saldo naik 66,6 kWh")):
            state = TokenState(request_id=request.request_id, state=step, detail=detail)
            await rig.meters.publish("meterhub/pln/token/state", state.to_payload(), retain=True)

    rig.meters.subscribe("meterhub/pln/token/set", keypad)
    offer = await rig.reply(f"/token {TOKEN}", "Ketik token ini di meter PLN?")
    assert TOKEN in offer.text
    (yes_label, yes), (no_label, _) = _buttons(offer)
    assert (yes_label, no_label) == ("✅ Ya, ketik", "✖ Batal")
    assert not token_sets  # nothing typed before the press

    await api.user_presses(OWNER, offer.params["message_id"], yes)
    message_id = offer.params["message_id"]
    verified = await api.wait_for(
        lambda c: (
            c.method == "editMessageText"
            and c.params["message_id"] == message_id
            and "Token diterima meter" in c.text
        )
    )
    assert "saldo naik 66,6 kWh" in verified.text and TOKEN in verified.text
    edits = [
        c.text.splitlines()[0]
        for c in api.calls
        if c.method == "editMessageText" and c.params["message_id"] == message_id
    ]
    assert edits == [
        "📤 Token dikirim ke penekan keypad...",
        "⏳ Token dalam antrean...",
        "⌨️ Sedang mengetik token...",
        "✅ Token diterima meter.",
    ]
    assert [(t.token, t.source) for t in token_sets] == [("12345678901234567890", "telegram")]
    assert any(c.method == "answerCallbackQuery" for c in api.calls)

    # Pressing again (a double tap) does not type the token twice.
    await api.user_presses(OWNER, message_id, yes)
    await api.wait_sent(OWNER, "Konfirmasi kedaluwarsa")
    assert len(token_sets) == 1


async def test_cancel_and_a_silent_keypad_are_said_plainly(start_bot):
    rig = await start_bot(telegram={"token_timeout_s": 0.5})
    api = rig.api
    offer = await rig.reply("/token 11112222333344445555", "Ketik token ini", chat=FAMILY)
    _, (_, no) = _buttons(offer)
    await api.user_presses(FAMILY, offer.params["message_id"], no)
    await api.wait_sent(FAMILY, "✖ Token dibatalkan:\n1111 2222 3333 4444 5555")

    offer = await rig.reply("/token 1111-2222-3333-4444-6666", "4444 6666", chat=FAMILY)
    (_, yes), _ = _buttons(offer)
    await api.user_presses(FAMILY, offer.params["message_id"], yes)
    # No token_entry service is running: after the timeout the message says so.
    await api.wait_sent(FAMILY, "⚠️ Penekan keypad tidak menjawab")
    sent = {m.payload for m in rig.bus_seen.messages if m.topic == "meterhub/pln/token/set"}
    assert [json.loads(p)["token"] for p in sent] == ["11112222333344446666"]
