"""`meterhub meter`: the RS-485 meter manager — scan, read, watch, an interactive menu, decode.

Errors come out as one sentence saying what to check (port, wiring, address, speed),
never as a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from decimal import Decimal

from ..core.config import load_config
from ..protocols.dlt645 import (
    BROADCAST,
    DATA_IDS,
    Answer,
    DataId,
    Edition,
    FrameError,
    MeterError,
    describe,
    normalize_address,
    poll_ids,
)
from ..protocols.serial_link import LineSettings, LinkError, line_for, opened
from .rs485 import BadReply, ClientSettings, Dlt645Client, NoAnswer

SCAN_SPEEDS = (2400, 1200, 4800, 9600)  # DL/T 645 meters ship at 2400; some at 1200
WATCHED = (
    "energy_import_kwh", "power_w", "voltage_l1_v", "current_l1_a", "reactive_power_var",
    "power_factor",
)  # fmt: skip
WATCH_INTERVAL_S = 5.0
# `meterhub meter --help` lists these; the menu offers the same and `watch` there too.
ACTIONS = (
    ("scan", "find the meter's address (and speed)"),
    ("read", "read every register once, as a table"),
    ("watch", "read the main values again and again, until Ctrl-C or --count reads"),
    ("menu", "interactive menu: scan, read all, read one, watch, decode"),
)


class CliError(Exception):
    """Ends the command with this message and exit status 1."""


def register(group: argparse.ArgumentParser) -> None:
    actions = group.add_subparsers(dest="action", required=True)
    line_options = argparse.ArgumentParser(add_help=False)
    line_options.add_argument("--port", help="serial port of the RS-485 adapter")
    line_options.add_argument("--device", help="take port and address from this config device")
    line_options.add_argument("--baud", type=int, default=None, help="line speed (2400)")
    line_options.add_argument("--framing", default=None, help="e.g. 8E1 (default)")
    line_options.add_argument("--address", default=None, help="meter address (12 digits)")
    line_options.add_argument("--edition", choices=["1997", "2007"], default=None)
    line_options.add_argument("--timeout", type=float, default=1.0, help="seconds per answer")
    line_options.add_argument("--retries", type=int, default=2)
    handlers = {"scan": cmd_scan, "read": cmd_read, "watch": cmd_watch, "menu": cmd_menu}
    for name, text in ACTIONS:
        sub = actions.add_parser(name, help=text, description=text, parents=[line_options])
        sub.set_defaults(handler=handlers[name])
        if name == "watch":
            sub.add_argument(
                "--interval", type=float, default=WATCH_INTERVAL_S, help="seconds between reads"
            )
            sub.add_argument(
                "--count", type=int, default=0, help="stop after n reads (0: at Ctrl-C)"
            )
    decode = actions.add_parser("decode", help="decode one DL/T 645 frame given in hex")
    decode.add_argument("hex", nargs="+", help="frame bytes, spaces allowed")
    decode.set_defaults(handler=cmd_decode)


# --- settings ---


class Session:
    def __init__(self, args: argparse.Namespace) -> None:
        port, address, edition, baud, framing = args.port, args.address, args.edition, None, None
        if args.device:
            config = load_config(args.config).config
            device = config.devices.get(args.device)
            if device is None or device.serial is None:
                raise CliError(f"device {args.device!r} has no serial port in the config")
            port, baud, framing = device.serial.port, device.serial.baudrate, device.serial.framing
            if device.rs485 is not None:
                address = address or device.rs485.address or None
                edition = edition or device.rs485.edition
        if not port:
            raise CliError("say which port: --port PORT (or --device ID from the config)")
        self.edition: Edition = edition or "1997"
        self.address = normalize_address(address) if address else BROADCAST[self.edition]
        self.line = line_for("dlt645", port, args.baud or baud, args.framing or framing)
        self.client_settings = ClientSettings(args.timeout, args.retries)
        self.speed_given = bool(args.baud or baud)

    def describe_line(self, line: LineSettings | None = None) -> str:
        line = line or self.line
        return f"{line.port} at {line.baudrate} {line.framing}"

    async def run(self, work: Callable[[Dlt645Client], Awaitable[None]]) -> None:
        async with opened(self.line) as line:
            await work(Dlt645Client(line, self.client_settings))


def _explain(error: Exception, session: Session) -> str:
    if isinstance(error, NoAnswer):
        return (
            f"no answer from meter {session.address} on {session.describe_line()} ({error}); "
            "check the A/B wires, the address, the speed (meterhub meter scan finds both)"
        )
    if isinstance(error, BadReply):
        return (
            f"the meter's answers are corrupt: {error}; check the speed and framing, the "
            "A/B wires, termination and ground"
        )
    if isinstance(error, MeterError):
        return f"the meter refused: {error}"
    return str(error)


def _run(args: argparse.Namespace, work: Callable[[Session], Awaitable[None]]) -> int:
    try:
        session = Session(args)
    except (CliError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
        asyncio.run(work(session))
    except (CliError, LinkError, NoAnswer, BadReply, MeterError, FrameError, ValueError) as error:
        print(f"error: {_explain(error, session)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


# --- commands ---


async def scan(session: Session) -> tuple[str, Edition, LineSettings]:
    speeds = (session.line.baudrate,) if session.speed_given else SCAN_SPEEDS
    editions: tuple[Edition, ...] = ("1997", "2007")
    tried = []
    for speed in speeds:
        line = LineSettings(session.line.port, speed, session.line.framing)
        async with opened(line) as opened_line:
            client = Dlt645Client(opened_line, session.client_settings)
            for edition in editions:
                tried.append(f"{speed} baud DL/T 645-{edition}")
                try:
                    return await client.find_address(edition), edition, line
                except (NoAnswer, BadReply, MeterError, FrameError):
                    continue
    raise CliError(
        f"no meter answered on {session.line.port} ({', '.join(tried)}); check the A/B wires "
        "(swap them if unsure) and that the meter is on"
    )


def cmd_scan(args: argparse.Namespace) -> int:
    async def work(session: Session) -> None:
        address, edition, line = await scan(session)
        print(f"meter {address}  DL/T 645-{edition}  {session.describe_line(line)}")

    return _run(args, work)


def _format(answer: Answer) -> str:
    value = answer.value
    if isinstance(value, Decimal):
        return f"{value:f} {answer.item.unit}".strip()
    return str(value)


async def read_all(client: Dlt645Client, session: Session, items: list[DataId]) -> list[list[str]]:
    rows = []
    for item in items:
        try:
            shown = _format(await client.read(session.address, item))
        except MeterError:
            shown = "— (not supported by this meter)"
        rows.append([item.label, item.name, shown])
    return rows


def registers(edition: Edition) -> list[DataId]:
    return sorted((d for d in DATA_IDS.values() if d.edition == edition), key=lambda d: d.code)


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows)
    return "\n".join(line.rstrip() for line in lines)


def cmd_read(args: argparse.Namespace) -> int:
    async def work(session: Session) -> None:
        async def body(client: Dlt645Client) -> None:
            items = registers(session.edition)
            rows = await read_all(client, session, items)
            print(f"meter {session.address}  DL/T 645-{session.edition}  {session.describe_line()}")
            print(_table([["id", "register", "value"], *rows]))

        await session.run(body)

    return _run(args, work)


@contextlib.contextmanager
def _ctrl_c_sets(stop: asyncio.Event) -> Iterator[None]:
    """While watching, Ctrl-C ends the watch (the menu goes on) instead of the program."""
    loop = asyncio.get_running_loop()
    before = signal.getsignal(signal.SIGINT)
    try:
        loop.add_signal_handler(signal.SIGINT, stop.set)
    except (NotImplementedError, RuntimeError, ValueError):  # no signals here: count only
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        signal.signal(signal.SIGINT, before)


async def watch(client: Dlt645Client, session: Session, count: int, interval: float) -> int:
    """Read the main values ``count`` times (0: until Ctrl-C), one line each; reads done."""
    items = [d for d in poll_ids(session.edition) if d.quantity in WATCHED]
    stop, done = asyncio.Event(), 0
    with _ctrl_c_sets(stop):
        while not stop.is_set() and (not count or done < count):
            parts = [datetime.now().strftime("%H:%M:%S")]
            for item in items:
                try:
                    shown = _format(await client.read(session.address, item))
                except MeterError:
                    continue  # a register this meter lacks (e.g. power factor)
                parts.append(f"{item.name}: {shown}")
            print("  ".join(parts), flush=True)
            done += 1
            if not count or done < count:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), interval)
    if stop.is_set():
        print(f"watch stopped after {done} reads", flush=True)
    return done


def cmd_watch(args: argparse.Namespace) -> int:
    async def work(session: Session) -> None:
        async def body(client: Dlt645Client) -> None:
            await watch(client, session, args.count, args.interval)

        await session.run(body)

    return _run(args, work)


MENU = """
  1  scan for the meter (address, speed)
  2  read every register
  3  read one register by id (e.g. 9010)
  4  watch the main values (until Ctrl-C, or a number of reads)
  5  decode a frame (hex)
  0  quit
"""


async def _ask(prompt: str) -> str:
    loop = asyncio.get_running_loop()
    try:
        return (await loop.run_in_executor(None, input, prompt)).strip()
    except EOFError:
        return "0"


async def menu(session: Session) -> None:
    async with opened(session.line) as line:
        client = Dlt645Client(line, session.client_settings)
        while True:
            print(MENU)
            choice = await _ask("choice> ")
            if choice in ("0", "q", "quit", ""):
                return
            try:
                await _menu_choice(choice, client, session)
            except (NoAnswer, BadReply, MeterError, FrameError, ValueError, CliError) as error:
                print(f"error: {_explain(error, session)}")


async def _menu_choice(choice: str, client: Dlt645Client, session: Session) -> None:
    if choice == "1":
        session.address, session.edition = await _scan_on(client, session)
        print(f"meter {session.address}  DL/T 645-{session.edition}")
    elif choice == "2":
        items = registers(session.edition)
        print(_table([["id", "register", "value"], *await read_all(client, session, items)]))
    elif choice == "3":
        code = int(await _ask("data id (hex)> "), 16)
        item = DATA_IDS.get((session.edition, code))
        if item is None:
            raise CliError(f"{code:X} is not a known DL/T 645-{session.edition} data id")
        print(f"{item.name}: {_format(await client.read(session.address, item))}")
    elif choice == "4":
        count = await _ask("reads (empty: until Ctrl-C)> ")
        interval = await _ask(f"seconds between reads [{WATCH_INTERVAL_S:g}]> ")
        await watch(
            client, session, int(count or 0), float(interval) if interval else WATCH_INTERVAL_S
        )
    elif choice == "5":
        print(json.dumps(_decode(await _ask("frame (hex)> ")), ensure_ascii=False))
    else:
        print(f"no such choice: {choice!r}")


async def _scan_on(client: Dlt645Client, session: Session) -> tuple[str, Edition]:
    editions: tuple[Edition, ...] = ("1997", "2007")
    for edition in editions:
        try:
            return await client.find_address(edition), edition
        except (NoAnswer, BadReply, MeterError, FrameError):
            continue
    raise CliError(f"no meter answered on {session.describe_line()}")


def cmd_menu(args: argparse.Namespace) -> int:
    return _run(args, menu)


def _decode(text: str) -> dict[str, object]:
    try:
        raw = bytes.fromhex(text.replace(" ", "").replace(":", ""))
    except ValueError:
        return {"error": "not hex"}
    try:
        return describe(raw)
    except (FrameError, MeterError) as error:
        return {"error": str(error)}


def cmd_decode(args: argparse.Namespace) -> int:
    result = _decode("".join(args.hex))
    print(json.dumps(result, ensure_ascii=False))
    return 1 if "error" in result else 0
