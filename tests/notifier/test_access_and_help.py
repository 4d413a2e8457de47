"""Who the bot serves, and what it says to input it cannot use."""

from __future__ import annotations

import json

from tests.notifier.conftest import FAMILY, OWNER, STRANGER


async def test_stranger_gets_one_polite_refusal_and_nothing_else(start_bot, caplog):
    rig = await start_bot()
    refusal = await rig.reply("/cektoken", "pribadi", chat=STRANGER)
    assert str(STRANGER) in refusal.text
    await rig.say("/status", chat=STRANGER)
    await rig.say("/token 12345678901234567890", chat=STRANGER)
    # The owner's next command is answered after the stranger's were handled: by then a
    # second refusal would have been sent.
    await rig.reply("/help", "/cektoken", chat=OWNER)
    assert [c.text for c in rig.api.sent_to(STRANGER)] == [refusal.text]
    assert not any(c.method == "sendMessage" and "cmd/capture" in c.text for c in rig.api.calls)
    assert not [m for m in rig.bus_seen.messages if m.topic.endswith("/cmd/capture")]
    assert any(
        "refused chat" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records
    )


async def test_help_lists_every_command_with_the_original_aliases(start_bot):
    rig = await start_bot()
    help_text = (await rig.reply("/help", "Meterhub")).text
    for name in (
        "/cektoken",
        "/balance",
        "/kirimgambar",
        "/setjadwal",
        "/schedule",
        "/token",
        "/status",
        "/photo",
        "/history",
        "/peak",
        "/language",
    ):
        assert name in help_text
    menus = [c for c in rig.api.calls if c.method == "setMyCommands"]
    assert {c.params.get("language_code") for c in menus} >= {None, "id", "en"}
    assert all(len(c.params["commands"]) >= 10 for c in menus)


async def test_start_answers_like_the_original_bot_then_gives_the_help(start_bot):
    rig = await start_bot()
    answer = await rig.reply("/start", "✅ Bot aktif.")
    first, _, rest = answer.text.partition("\n\n")
    assert first == "✅ Bot aktif."
    assert rest.startswith("🤖 Meterhub — perintah:") and "/cektoken" in rest


async def test_malformed_commands_get_usage_never_a_stack_trace(start_bot):
    rig = await start_bot()
    cases = {
        "/setjadwal 25:99": "❌ Format salah. Gunakan:\n/setjadwal 12:00 23:59",
        "/setjadwal": "❌ Format salah. Gunakan:\n/setjadwal 12:00 23:59",
        "/token 1234": "/token 1234 5678 9012 3456 7890",
        "/token 1234567890123456789x": "20 angka",
        "/schedule blah": "/schedule add 12:00",
        "/schedule add 7pm": "/schedule add 12:00",
        "/language klingon": "/language en",
        "/status nosuchmeter": "Meter tidak dikenal",
        "/history a b": "/history",
        "/frobnicate": "Perintah tidak dikenal",
        "just some words": "/help",
    }
    for text, expected in cases.items():
        answer = await rig.reply(text, expected, chat=FAMILY)
        assert "Traceback" not in answer.text and "Error" not in answer.text
    assert not [c for c in rig.api.sent_to(FAMILY) if "kesalahan" in c.text]
    assert rig.health.buses["notifier"].stats.handler_errors == 0


async def test_dutch_and_german_chats_get_their_own_words_and_menus(start_bot):
    rig = await start_bot()
    for code in ("nl", "de"):  # the menus are set one language after another
        await rig.api.wait_for(
            lambda c, code=code: (
                c.method == "setMyCommands" and c.params.get("language_code") == code
            ),
            timeout=30,
        )
    menus = {c.params.get("language_code"): c for c in rig.api.calls if c.method == "setMyCommands"}
    assert {"nl", "de"} <= set(menus)
    assert "piekvermogen" in json.dumps(menus["nl"].params["commands"], ensure_ascii=False)
    await rig.reply("/language nl", "✅ Taal: Nederlands", chat=FAMILY)
    start = await rig.reply("/start", "✅ Bot actief.", chat=FAMILY)
    assert "🤖 Meterhub — commando's:" in start.text and "/cektoken" in start.text
    usage = await rig.reply("/token 1234", "Verkeerd formaat", chat=FAMILY)
    assert "(20 cijfers)" in usage.text
    await rig.reply("/language de", "✅ Sprache: Deutsch", chat=FAMILY)
    await rig.reply("/start", "✅ Bot aktiv.", chat=FAMILY)
    await rig.reply("/frobnicate", "❓ Unbekannter Befehl.", chat=FAMILY)
    # The other chat keeps the default, Indonesian, greeting of the original bot.
    await rig.reply("/start", "✅ Bot aktif.", chat=OWNER)
