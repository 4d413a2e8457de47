"""One database layer: every connection through ``services/database``, one owner per table.

Read from the source, so a new ``sqlite3.connect``, a table missing from the ownership
list or SQL on another service's table fails here before it ships.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

from services.database.owners import OWNERS
from tests.unit.test_layers import SERVICES

ROOT = Path(__file__).resolve().parents[2] / "services"
DATABASE = ROOT / "database"
CREATE = re.compile(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)")
# A table named by SQL (keywords upper case, as all SQL here is written).
NAMED = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+(\w+)")


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text())) for path in sorted(ROOT.rglob("*.py"))]


MODULES = _modules()


def _package(path: Path) -> str:
    return path.relative_to(ROOT).parts[0].removesuffix(".py")


def _strings(tree: ast.Module) -> list[str]:
    return [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def test_no_module_outside_the_database_layer_opens_sqlite_itself() -> None:
    wrong = []
    for path, tree in MODULES:
        if path.is_relative_to(DATABASE):
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "connect"
                and isinstance(node.value, ast.Name)
                and node.value.id == "sqlite3"
            ) or (
                isinstance(node, ast.ImportFrom)
                and node.module == "sqlite3"
                and any(alias.name == "connect" for alias in node.names)
            ):
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not wrong, "use services.database.connection: " + ", ".join(wrong)


def test_every_table_is_created_in_one_place_and_has_one_owner() -> None:
    created = Counter(
        table for _, tree in MODULES for text in _strings(tree) for table in CREATE.findall(text)
    )
    assert {t for t, n in created.items() if n > 1} == set(), "a table created twice"
    assert set(created) == set(OWNERS), set(created) ^ set(OWNERS)


def test_every_create_table_is_in_the_database_layer() -> None:
    outside = [
        str(path.relative_to(ROOT))
        for path, tree in MODULES
        if not path.is_relative_to(DATABASE) and any(CREATE.search(s) for s in _strings(tree))
    ]
    assert not outside, outside


def test_a_service_names_no_other_services_table_in_sql() -> None:
    """Reads of another owner's table go through the read-models of services/database."""
    wrong = [
        f"{path.relative_to(ROOT)}: {table} (owner {OWNERS[table]})"
        for path, tree in MODULES
        if _package(path) in SERVICES
        for text in _strings(tree)
        for table in NAMED.findall(text)
        if table in OWNERS and OWNERS[table] != _package(path)
    ]
    assert not wrong, "\n".join(wrong)


def test_a_service_opens_a_writer_for_its_own_tables_only() -> None:
    """``connect(path, owner)`` in a service's package names that service."""
    wrong = []
    for path, tree in MODULES:
        if _package(path) not in SERVICES:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "connect"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value != _package(path)
            ):
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.args[1].value}")
    assert not wrong, wrong


def test_the_checks_find_what_they_look_for() -> None:
    """The patterns above are not blind: they see the layer's own SQL and calls."""
    connection = (DATABASE / "connection.py").read_text()
    assert "sqlite3.connect(" in connection
    assert CREATE.findall("CREATE TABLE IF NOT EXISTS readings (") == ["readings"]
    assert NAMED.findall("SELECT x FROM token_attempts WHERE") == ["token_attempts"]
    assert NAMED.findall("INSERT OR IGNORE INTO notifier_chats (") == ["notifier_chats"]
