"""`meterhub web hash-password`: the value for web.login.password_hash;
`meterhub web logout-all`: end every session (a running web service's included);
`meterhub web messages`: the page's message catalogues refreshed from its sources."""

from __future__ import annotations

import argparse
import getpass
import sys

from ..core.config import load_config
from .auth import end_all_sessions, hash_password

MIN_PASSWORD_CHARS = 8


def register(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    command = actions.add_parser(
        "hash-password",
        help="print a hash for web.login.password_hash (or $METERHUB_WEB_PASSWORD_HASH)",
    )
    command.add_argument(
        "--stdin", action="store_true", help="read the password from standard input (scripts)"
    )
    command.set_defaults(handler=cmd_hash_password)
    actions.add_parser(
        "logout-all", help="end every browser session: everyone logs in again"
    ).set_defaults(handler=cmd_logout_all)
    actions.add_parser(
        "messages",
        help="refresh locale/messages.pot and every language's .po from the page's sources",
    ).set_defaults(handler=cmd_messages)


def cmd_hash_password(args: argparse.Namespace) -> int:
    if args.stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("the two passwords differ", file=sys.stderr)
            return 1
    if len(password) < MIN_PASSWORD_CHARS:
        print(f"a password needs at least {MIN_PASSWORD_CHARS} characters", file=sys.stderr)
        return 1
    print(hash_password(password))
    return 0


def cmd_logout_all(args: argparse.Namespace) -> int:
    web_dir = load_config(args.config).config.storage.data_dir / "web"
    end_all_sessions(web_dir)
    print(f"every session opened until now is ended ({web_dir})")
    return 0


def cmd_messages(args: argparse.Namespace) -> int:
    from .i18n_extract import refresh  # Babel's extractors: only this command needs them

    for path in refresh():
        print(f"written {path}")
    return 0
