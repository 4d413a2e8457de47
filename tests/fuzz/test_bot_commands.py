"""Whatever an allowed user types to the bot gets an answer, and never "something went wrong".

The real bot (python-telegram-bot against the local fake Bot API) with a prepaid camera
and a P1 meter configured. Hypothesis writes the messages: every command and alias with
arguments of any shape, unknown commands, plain text. Who may talk to the bot at all
is tested in tests/notifier/test_access_and_help.py.
"""

from __future__ import annotations

import asyncio
import logging

from hypothesis import given, settings
from hypothesis import strategies as st

from services.notifier.commands import COMMANDS
from tests.fuzz.strategies import SETTINGS
from tests.notifier.conftest import OWNER, PLN_CAMERA, start_bot  # noqa: F401 - the fixture

NAMES = sorted(name for command in COMMANDS for name in command.names)
WORD = st.one_of(
    st.text(st.characters(blacklist_categories=["Cs", "Cc", "Zs"]), min_size=1, max_size=12),
    st.sampled_from(
        ["pln", "p1", "add", "remove", "tambah", "hapus", "en", "id", "12:00", "25:61"]
    ),
    st.from_regex(r"[0-9 -]{1,30}", fullmatch=True),
    st.integers(0, 10**21).map(str),
)


@st.composite
def message(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["command", "command", "command", "unknown", "text"]))
    words = draw(st.lists(WORD, max_size=4))
    if kind == "command":
        name = draw(st.sampled_from(NAMES))
        if name in ("cektoken", "balance", "saldo") and not words:
            words = ["nosuchmeter"]  # without a device it photographs, which takes seconds
        head = f"/{name}"
    elif kind == "unknown":
        head = "/" + draw(st.from_regex(r"[a-z_]{1,20}", fullmatch=True))
        if head[1:] in NAMES:
            head += "x"
    else:
        head = draw(
            st.text(st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=30)
        )
        if not head.strip() or head.lstrip().startswith("/"):
            head = "halo"
    return " ".join([head, *words])


async def test_any_message_from_an_allowed_chat_is_answered_without_an_error(
    start_bot,  # noqa: F811
    caplog,
) -> None:
    caplog.set_level(logging.ERROR, logger="meterhub")
    rig = await start_bot(devices={**PLN_CAMERA, "p1": {"name": "Fluvius", "kind": "p1"}})
    loop = asyncio.get_running_loop()

    async def answered(text: str) -> None:
        before = len(rig.api.sent_to(OWNER))
        await rig.say(text)
        await rig.api.wait_for(lambda c: len(rig.api.sent_to(OWNER)) > before)

    # One bot for all examples: Hypothesis runs in a thread and hands each message to it.
    @settings(**SETTINGS)
    @given(text=message())
    def every_message_is_answered(text: str) -> None:
        asyncio.run_coroutine_threadsafe(answered(text), loop).result(30)

    await asyncio.to_thread(every_message_is_answered)
    await rig.reply("/help", "/cektoken")  # still serving
    sent = rig.api.sent_to(OWNER)
    assert len(sent) > SETTINGS["max_examples"] / 2
    errors = [c.text for c in sent if "went wrong" in c.text or "Terjadi kesalahan" in c.text]
    assert errors == [], errors
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == [], failures
