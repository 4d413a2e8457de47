"""What each command does, and the table that names them (aliases keep the original bot's).

A malformed command raises ``Usage``: the chat gets that command's usage text, never a
stack trace.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..core.config import MeterhubConfig
from ..core.quantities import TOKEN_BALANCE, QuantityKind, quantity
from ..core.runtime.clock import Clock
from ..database.schedules import ChatStore
from ..database.usage import UsageQueries
from .alerts import projected_quarter_w
from .chart import bar_chart, line_chart
from .checks import BalanceChecker, days_left_text, stored_forecast
from .corrections import NotCorrectable, PhotoCorrections
from .lang import LANGUAGES, Texts
from .money import money_lines, stored_money
from .schedule import Scheduler, parse_time
from .telegram_io import TelegramOut
from .token_flow import TokenFlow, normalise_token

HISTORY_SPAN = timedelta(days=7)
STATUS_QUANTITIES = (
    TOKEN_BALANCE,
    "power_w",
    "energy_import_kwh",
    "energy_export_kwh",
    "quarter_avg_power_w",
    "month_peak_power_w",
    "gas_m3",
    "water_m3",
)
PEAK_QUANTITIES = ("month_peak_power_w", "quarter_avg_power_w")
IMAGE_FILES = ("annotated.jpg", "latest.jpg")  # the OCR worker's marked-up frame first
SCHEDULE_ACTIONS = {"add": "add", "tambah": "add", "remove": "remove", "hapus": "remove"}


@dataclass(frozen=True)
class Command:
    name: str
    aliases: tuple[str, ...]
    help_key: str

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


# The method of Commands called is the command's name.
COMMANDS: tuple[Command, ...] = (
    Command("cektoken", ("balance", "saldo"), "help_cektoken"),
    Command("status", (), "help_status"),
    Command("photo", ("kirimgambar", "foto"), "help_photo"),
    Command("correct", ("koreksi",), "help_correct"),
    Command("history", ("riwayat",), "help_history"),
    Command("peak", ("puncak",), "help_peak"),
    Command("schedule", ("jadwal",), "help_schedule"),
    Command("setjadwal", (), "help_setjadwal"),
    Command("token", (), "help_token"),
    Command("language", ("bahasa",), "help_language"),
    Command("start", (), "help_start"),
    Command("help", ("bantuan",), "help_help"),
)


class Usage(Exception):
    """A command the bot could not make sense of; carries the usage text's key."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values


@dataclass
class Chat:
    """One chat's request: who to answer and in which language."""

    id: int
    t: Texts
    out: TelegramOut
    reply_to: int | None = None  # the bot's message the user answered, if any

    async def say(self, key: str, **values: object) -> int | None:
        return await self.out.text(self.id, self.t.say(key, **values))

    async def send(self, text: str) -> int | None:
        return await self.out.text(self.id, text)


@dataclass
class Commands:
    config: MeterhubConfig
    checker: BalanceChecker
    usage: UsageQueries
    store: ChatStore
    scheduler: Scheduler
    tokens: TokenFlow
    clock: Clock
    corrections: PhotoCorrections

    def _name(self, device: str) -> str:
        return self.config.devices[device].name or device

    def _pick(self, args: list[str], choices: list[str]) -> list[str]:
        """The device named in ``args`` (must be one of ``choices``), else all choices."""
        if not args:
            return choices
        if len(args) > 1 or args[0] not in choices:
            raise Usage("unknown_device", device=" ".join(args), choices=", ".join(choices))
        return [args[0]]

    # --- balance ---------------------------------------------------------------------
    async def cektoken(self, chat: Chat, args: list[str]) -> None:
        devices = list(self.checker.devices)
        if not devices:
            await chat.say("no_prepaid")
            return
        devices = self._pick(args, devices)
        await chat.say("capturing")
        outcomes = await asyncio.gather(*(self.checker.check(d) for d in devices))
        await chat.send("\n\n".join(self.checker.describe(o, chat.t) for o in outcomes))

    async def status(self, chat: Chat, args: list[str]) -> None:
        devices = self._pick(args, list(self.config.devices))
        now, t = self.clock.now(), chat.t
        lines = [t.say("status_header")]
        for device in devices:
            known = await self.checker.known_values(device)
            shown = [k for k in STATUS_QUANTITIES if k in known] or sorted(known)[:3]
            if not shown:
                lines.append(t.say("status_never", name=self._name(device)))
                continue
            newest = max(known[k].ts for k in shown)
            available = self.checker.watch.view(device).available
            icon = t.say("offline") if available is False else t.say("online")
            values = ", ".join(f"{t.label(k)} {t.quantity(k, known[k].value)}" for k in shown)
            balance = self.checker.devices.get(device)
            if balance in known:
                forecast = await stored_forecast(
                    self.config, device, balance, now, known[balance].value
                )
                if forecast is not None and forecast.days_left is not None:
                    values += f"\n{days_left_text(t, balance, forecast)}"
            settings = self.config.devices[device]
            if settings.prices is not None:
                capacity = self.checker.watch.view(device).capacity
                money = await stored_money(self.config, device, now, capacity)
                if money is not None:
                    region = settings.prices.grid_region
                    values += "".join(f"\n{line}" for line in money_lines(t, money, region))
            age = t.age((now - newest).total_seconds())
            lines.append(
                t.say("status_line", icon=icon, name=self._name(device), age=age, values=values)
            )
        await chat.send("\n".join(lines))

    # --- pictures --------------------------------------------------------------------
    async def photo(self, chat: Chat, args: list[str]) -> None:
        cameras = [d for d, s in self.config.devices.items() if s.kind == "camera"]
        if not cameras:
            await chat.say("photo_missing")
            return
        t = chat.t
        for device in self._pick(args, cameras):
            folder = self.config.storage.data_dir / "images" / device
            path = next((folder / f for f in IMAGE_FILES if (folder / f).is_file()), None)
            if path is None:
                await chat.say("photo_missing")
                continue
            data, taken = await asyncio.to_thread(_read_image, path)
            age = t.age((datetime.now(UTC) - taken).total_seconds())  # a file's age: wall clock
            detail = t.say("photo_detail", name=self._name(device), age=age)
            frame_id = await asyncio.to_thread(self.corrections.frame_shown, device)
            caption = f"{t.say('photo_caption')}\n{detail}"
            if frame_id is not None:
                caption += f"\n{t.say('photo_correct_hint')}"
            message_id = await chat.out.photo(chat.id, data, caption, f"{device}.jpg")
            if message_id is not None and frame_id is not None:
                self.corrections.remember(chat.id, message_id, device, frame_id)

    async def correct(self, chat: Chat, args: list[str]) -> None:
        """The value the display really shows, in reply to a photo from /photo."""
        if len(args) != 1:
            raise Usage("correct_usage")
        try:
            example = await self.corrections.correct(chat.id, chat.reply_to, args[0])
        except NotCorrectable as refusal:
            raise Usage(refusal.key, **refusal.values) from None
        await chat.say("correct_done", name=self._name(example.device), label=example.label)

    async def history(self, chat: Chat, args: list[str]) -> None:
        devices = list(self.config.devices)
        if args and (len(args) > 1 or args[0] not in devices):
            raise Usage("history_usage", example=devices[0] if devices else "pln")
        device = args[0] if args else (next(iter(self.checker.devices), None) or devices[0])
        settings, t, now = self.config.devices[device], chat.t, self.clock.now()
        key = settings.ocr.quantity if settings.ocr else "energy_import_kwh"
        title = self._name(device)
        if quantity(key).kind is QuantityKind.BALANCE:
            points = await self.usage.hourly(device, key, now - HISTORY_SPAN)
            png = await line_chart(points, self.config.telegram.zone, title, t.say("chart_balance"))
            has_data = len(points) >= 2
        else:
            days = await self.usage.per_day(device, key, now, self.config.telegram.zone)
            unit = quantity(key).unit
            png = await bar_chart(days, title, t.say("chart_daily", unit=unit))
            has_data = any(v > 0 for _, v in days)
        if not has_data:
            await chat.say("history_empty", name=title)
            return
        await chat.out.photo(chat.id, png, t.say("history_caption", name=title), f"{device}.png")

    async def peak(self, chat: Chat, args: list[str]) -> None:
        t, now, found = chat.t, self.clock.now(), False
        for device in self._pick(args, list(self.config.devices)):
            figures = await self._peak_figures(device)
            if figures is None:
                continue
            peak_w, quarter_w, projected_w, ts = figures
            found = True
            await chat.say(
                "peak",
                name=self._name(device),
                peak=t.power(peak_w) if peak_w is not None else "—",
                quarter=t.power(quarter_w),
                projected=t.power(projected_w),
                age=t.age((now - ts).total_seconds()),
            )
        if not found:
            await chat.say("peak_none")

    async def _peak_figures(
        self, device: str
    ) -> tuple[float | None, float, float, datetime] | None:
        """Month peak, quarter so far, quarter predicted, as of: the gateway's capacity
        state when it publishes one, else the meter's own registers."""
        state = self.checker.watch.view(device).capacity
        if state is not None:
            return (
                state.month_peak_power_w,
                state.quarter_avg_power_w,
                state.predicted_quarter_power_w,
                state.ts,
            )
        known = await self.checker.known_values(device)
        if not all(k in known for k in PEAK_QUANTITIES):
            return None
        quarter = known["quarter_avg_power_w"]
        power = known.get("power_import_w") or known.get("power_w")
        projected = projected_quarter_w(quarter.value, power.value if power else None, quarter.ts)
        return known["month_peak_power_w"].value, quarter.value, projected, quarter.ts

    # --- schedules -------------------------------------------------------------------
    async def schedule(self, chat: Chat, args: list[str]) -> None:
        if args:
            action = SCHEDULE_ACTIONS.get(args[0].lower())
            at = parse_time(args[1]) if len(args) == 2 else None
            if action is None or at is None:
                raise Usage("schedule_usage")
            if action == "add":
                await self.store.add_time(chat.id, at)
            else:
                await self.store.remove_time(chat.id, at)
            self.scheduler.changed.set()
        times = await self.store.times(chat.id)
        if not times:
            await chat.say("schedule_empty")
        elif args:
            await chat.say("schedule_updated", times=chat.t.times(times))
        else:
            lines = "\n".join(f"• {at}" for at in times)
            await chat.say("schedule_list", zone=self.config.telegram.timezone, times=lines)

    async def setjadwal(self, chat: Chat, args: list[str]) -> None:
        times = [parse_time(a) for a in args]
        if not times or None in times:
            raise Usage("setjadwal_usage")
        chosen = sorted({at for at in times if at})
        await self.store.set_times(chat.id, chosen)
        self.scheduler.changed.set()
        await chat.say("schedule_updated", times=chat.t.times(chosen))

    # --- token, language, help -------------------------------------------------------
    async def token(self, chat: Chat, args: list[str]) -> None:
        devices = list(self.checker.devices)
        device = devices[0] if devices else None
        if args and args[0] in devices:
            device, args = args[0], args[1:]
        digits = normalise_token(args)
        if digits is None or device is None:
            raise Usage("token_usage")
        await self.tokens.offer(chat.id, chat.t, device, digits)

    async def language(self, chat: Chat, args: list[str]) -> None:
        if len(args) != 1 or args[0].lower() not in LANGUAGES:
            raise Usage("language_usage")
        await self.store.set_language(chat.id, args[0].lower())
        chat.t = Texts(args[0].lower())  # type: ignore[arg-type]
        await chat.say("language_set")

    async def start(self, chat: Chat, args: list[str]) -> None:
        """The original bot's greeting, then what it can do."""
        await chat.send(f"{chat.t.say('bot_active')}\n\n{help_text(chat.t)}")

    async def help(self, chat: Chat, args: list[str]) -> None:
        await chat.send(help_text(chat.t))


def help_text(t: Texts) -> str:
    lines = [t.say("help_header")]
    for command in COMMANDS:
        names = " ".join(f"/{n}" for n in command.names)
        lines.append(f"{names} — {t.say(command.help_key)}")
    return "\n".join(lines)


def _read_image(path: Path) -> tuple[bytes, datetime]:
    return path.read_bytes(), datetime.fromtimestamp(path.stat().st_mtime, UTC)
