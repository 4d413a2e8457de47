"""The ``meterhub`` command: run services, check the config, run the demo."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import sys
from collections.abc import Callable

from .core.config import ConfigError, load_config
from .core.config.loader import LoadedConfig, effective_config
from .core.runtime import run_services
from .core.runtime.logs import setup_logging
from .registry import SERVICES, specs_for

# Command groups that live with their service: "name": "module" whose
# ``register(subparsers)`` adds the group's parser with ``set_defaults(handler=...)``.
# Imported lazily, only when that command runs (or for --help).
COMMAND_GROUPS: dict[str, tuple[str, str]] = {
    "bench": ("services.bench", "benchmarks printing numbers and ratios against a baseline"),
    "broker": (
        "services.broker",
        "broker lock-down: `broker config` writes ACL, passwords, mosquitto.conf from devices",
    ),
    "meter": (
        "services.capture_gateway.meter_cli",
        "RS-485 meter manager: scan, read, watch, menu, decode a DL/T 645 frame",
    ),
    "ocr": ("services.ocr_worker.cli", "digit OCR: `ocr train` builds the digit classifier models"),
    "parse": ("services.capture_gateway.parse_cli", "parse a file: `parse p1 FILE` → readings"),
    "web": (
        "services.web.cli",
        "web page: `web hash-password`, `web logout-all`, `web messages` (page translations)",
    ),
}


def _load(args: argparse.Namespace) -> LoadedConfig:
    loaded = load_config(args.config)
    if getattr(args, "health_port", None) is not None:
        health = loaded.config.health.model_copy(update={"port": args.health_port})
        loaded.config = loaded.config.model_copy(update={"health": health})
    return loaded


def cmd_run(args: argparse.Namespace) -> int:
    loaded = _load(args)
    setup_logging(loaded.config.logging.level)
    specs = specs_for(args.service, simulator_enabled=loaded.config.simulator.enabled)
    asyncio.run(run_services(loaded.config, specs))
    return 0


def cmd_config_check(args: argparse.Namespace) -> int:
    loaded = _load(args)
    print(f"# {loaded.source}: valid")
    print(json.dumps(effective_config(loaded), indent=2, ensure_ascii=False))
    return 0


def cmd_config_schema(args: argparse.Namespace) -> int:
    from .core.config import MeterhubConfig

    print(json.dumps(MeterhubConfig.model_json_schema(), indent=2))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(args.config, broker_port=args.broker_port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="meterhub", description=__doc__)
    parser.add_argument(
        "--config",
        "-c",
        default=None,
        help="config file (default: $METERHUB_CONFIG, ./config.yml, else the embedded default)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run one service, or all in one process")
    run.add_argument("service", choices=[*SERVICES, "all"])
    run.add_argument("--health-port", type=int, default=None, help="serve /healthz on this port")
    run.set_defaults(handler=cmd_run)

    config = commands.add_parser("config", help="configuration").add_subparsers(
        dest="action", required=True
    )
    config.add_parser(
        "check", help="validate and print the effective config (secrets masked)"
    ).set_defaults(handler=cmd_config_check)
    config.add_parser("schema", help="print the config's JSON schema").set_defaults(
        handler=cmd_config_schema
    )

    demo = commands.add_parser(
        "demo", help="start a broker and every service with simulated meters"
    )
    demo.add_argument(
        "--broker-port", type=int, default=None, help="broker port (default: the config's)"
    )
    demo.set_defaults(handler=cmd_demo)

    for name, (module, help_text) in COMMAND_GROUPS.items():
        # Its own -h: the group's actions are only known once its module is imported.
        group = commands.add_parser(name, help=help_text, description=help_text, add_help=False)
        group.set_defaults(handler=_lazy_group(module, group))
    return parser


def _group_parser(module: str, group: argparse.ArgumentParser) -> argparse.ArgumentParser:
    # A fresh parser: on ``group`` itself the REMAINDER positional would swallow all but
    # the last word before the group's own subcommands saw them.
    own = argparse.ArgumentParser(prog=group.prog, description=group.description)
    importlib.import_module(module).register(own)
    return own


def _lazy_group(module: str, group: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """Defers a command group's import (OpenCV, serial, ...) until it is used."""

    class Help(argparse.Action):
        def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
            _group_parser(module, group).print_help()
            parser.exit()

    def run(args: argparse.Namespace) -> int:
        sub_args = _group_parser(module, group).parse_args(args.group_args)
        sub_args.config = args.config
        return sub_args.handler(sub_args)

    group.add_argument("-h", "--help", action=Help, nargs=0, help="list the actions")
    group.add_argument("group_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return run


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ConfigError as error:
        print(f"config error:\n{error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
