"""The bot stays out of the way without a token, and its config section says what is wrong."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from services.core.config import ConfigError, load_config_text
from services.core.runtime import ServiceSpec, run_services
from services.core.runtime.health import Health
from services.notifier.bot import allowed_chats
from services.notifier.schedule import due_between, next_due, parse_time
from services.notifier.service import run_notifier
from tests.conftest import make_config
from tests.notifier.conftest import START, FakeClock


async def test_without_a_token_the_service_logs_one_line_and_idles(
    broker, tmp_path, caplog, monkeypatch
):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    caplog.set_level(logging.INFO, logger="meterhub.notifier")
    config = make_config(broker, tmp_path / "data")
    stop, health = asyncio.Event(), Health()
    spec = ServiceSpec("notifier", lambda ctx: run_notifier(ctx, FakeClock(START)))
    task = asyncio.create_task(run_services(config, [spec], stop=stop, health=health))
    await asyncio.wait_for(health.wait_connected("notifier"), 10)
    lines = [r for r in caplog.records if r.name == "meterhub.notifier"]
    assert [r.getMessage() for r in lines] == ["Telegram bot off"]
    assert not task.done()  # idling, not crashed: `run all` goes on
    stop.set()
    await asyncio.wait_for(task, 10)
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").iterdir())


def test_allowed_chats_come_from_the_config_and_the_environment(monkeypatch):
    monkeypatch.setenv("TELEGRAM_CHAT_IDS", " 42, -100123 ,oops,")
    config = load_config_text("telegram:\n  allowed_chat_ids: [7]\n").config
    assert allowed_chats(config.telegram) == {7, 42, -100123}


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        (
            "telegram:\n  timezone: Mars/Olympus\n",
            "telegram.timezone: Value error, unknown time zone",
        ),
        ("telegram:\n  default_schedule: ['25:00']\n", "telegram.default_schedule"),
        (
            "telegram:\n  alerts:\n    low_balance:\n      treshold_kwh: 5\n",
            "treshold_kwh: Extra inputs",
        ),
        ("telegram:\n  language: fr\n", "telegram.language"),
    ],
)
def test_config_mistakes_name_the_line_and_field(text, complaint):
    with pytest.raises(ConfigError) as error:
        load_config_text(text, "home.yml")
    assert complaint in str(error.value) and "home.yml:" in str(error.value)


def test_times_parse_like_people_write_them():
    assert [parse_time(t) for t in ("16:01", "9:05", "16.05", "24:00", "12", "7pm")] == [
        "16:01",
        "09:05",
        "16:05",
        None,
        None,
        None,
    ]


def test_next_due_and_due_between_cross_midnight():
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Asia/Jakarta")
    plan = {1: ["00:10", "12:00"], 2: ["12:00"]}
    late = START.replace(hour=17, minute=5)  # 00:05 Jakarta, 23 Nov
    assert next_due(plan, late, zone).astimezone(zone).strftime("%d %H:%M") == "23 00:10"
    fired = due_between(plan, START, START.replace(hour=5, minute=1), zone)
    assert fired == [("12:00", [1, 2])]


async def test_webhook_mode_takes_updates_posted_to_its_listener(start_bot):
    import httpx

    from services.tools.broker_process import free_port
    from tests.notifier.conftest import OWNER

    port = free_port()
    webhook = {
        "url": "https://bot.example.org/telegram",
        "listen": "127.0.0.1",
        "port": port,
        "secret_token": "s3cret",
    }
    rig = await start_bot(telegram={"webhook": webhook})
    registered = await rig.api.wait_for(lambda c: c.method == "setWebhook")
    assert registered.params["url"] == webhook["url"]
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": OWNER, "type": "private"},
            "from": {"id": OWNER, "is_bot": False, "first_name": "U"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }
    async with httpx.AsyncClient() as http:
        url = f"http://127.0.0.1:{port}/telegram"
        refused = await http.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "no"}
        )
        assert refused.status_code == 403
        ok = await http.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
        )
        assert ok.status_code == 200
    await rig.api.wait_sent(OWNER, "Meterhub — perintah")
    assert len(rig.api.sent_to(OWNER)) == 1


def test_a_webhook_off_loopback_needs_its_secret_token():
    hook = "telegram:\n  webhook:\n    url: https://bot.example.org/telegram\n"
    with pytest.raises(ConfigError, match=r"telegram\.webhook: .*secret_token is required"):
        load_config_text(hook + "    listen: 0.0.0.0\n")
    public = load_config_text(hook + "    listen: 0.0.0.0\n    secret_token: s3cret\n").config
    assert public.telegram.webhook.listen == "0.0.0.0"
    local = load_config_text(hook).config.telegram.webhook
    assert local.listen == "127.0.0.1" and local.secret_token is None


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a TCP socket listening on ``port`` (Linux's /proc/net)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.rpartition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


async def test_the_webhook_listens_on_loopback_unless_told_otherwise(start_bot):
    from services.tools.broker_process import free_port

    class BotUp(logging.Handler):
        """Set once the bot logs that it is up: its listener is bound by then."""

        def __init__(self) -> None:
            super().__init__()
            self.event = asyncio.Event()

        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage() == "Telegram bot up":
                self.event.set()

    up, logger = BotUp(), logging.getLogger("meterhub.notifier")
    logger.addHandler(up)
    previous_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        port = free_port()
        await start_bot(
            telegram={"webhook": {"url": "https://bot.example.org/telegram", "port": port}}
        )
        await asyncio.wait_for(up.event.wait(), 10)
    finally:
        logger.removeHandler(up)
        logger.setLevel(previous_level)
    assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1 alone, not 0.0.0.0
