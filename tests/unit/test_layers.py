"""The package layout is the architecture: these rules fail on the first import across it.

Libraries (core, protocols, domain, database, broker) never import a service; a service
never imports another service; the simulator and the web page see only the libraries;
tools (bench, ocr_training, tools, the CLI) may use anything, and nothing imports them.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "services"
LIBRARIES = {"core": set(), "protocols": {"core"}, "domain": {"core", "protocols"}}
LIBRARIES["database"] = {"core", "domain"}
LIBRARIES["broker"] = {"core"}
SERVICES = {
    "capture_gateway",
    "ocr_worker",
    "notifier",
    "storage",
    "web",
    "token_entry",
    "discovery",
    "simulator",
}
TOOLS = {"bench", "ocr_training", "tools", "cli", "demo", "registry"}
# What a service may import besides itself: every library, unless narrowed here.
SERVICE_ALLOWED = {name: set(LIBRARIES) for name in SERVICES}
SERVICE_ALLOWED["simulator"] = {"core", "protocols", "domain"}


def _package(path: Path) -> str:
    return path.relative_to(ROOT).parts[0].removesuffix(".py")


def _imports() -> dict[tuple[str, str], set[str]]:
    """(importing file, its top package) -> top packages it imports."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path in ROOT.rglob("*.py"):
        if path.name == "__main__.py":
            continue  # `python -m services.<x>` entry points call the CLI, the top layer
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        package = parts[:-1]  # a module's and a package __init__'s own package alike
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                    target = [*base, *(node.module.split(".") if node.module else [])]
                    if not target:  # `from .. import x` at the top: x is the package
                        target = [node.names[0].name]
                elif (node.module or "").startswith("services."):
                    target = node.module.split(".")[1:]
                else:
                    continue
                found[(str(path.relative_to(ROOT)), _package(path))].add(target[0])
    return found


IMPORTS = _imports()


def test_every_top_package_has_a_layer() -> None:
    tops = {_package(p) for p in ROOT.rglob("*.py")} - {"__init__"}
    assert tops <= set(LIBRARIES) | SERVICES | TOOLS, tops - set(LIBRARIES) - SERVICES - TOOLS


@pytest.mark.parametrize("layer", ["library", "service"])
def test_imports_follow_the_layers(layer: str) -> None:
    allowed = LIBRARIES if layer == "library" else SERVICE_ALLOWED
    wrong = [
        f"{file} imports services.{target}"
        for (file, package), targets in IMPORTS.items()
        if package in allowed
        for target in targets - {package} - allowed[package]
    ]
    assert not wrong, "\n".join(sorted(wrong))


def test_nothing_imports_a_tool_but_a_tool() -> None:
    wrong = [
        f"{file} imports services.{target}"
        for (file, package), targets in IMPORTS.items()
        if package not in TOOLS
        for target in targets & TOOLS
    ]
    assert not wrong, "\n".join(sorted(wrong))
