"""Which service writes each table of the hub's SQLite file: one writer per table.

Every other service reads a table only through a read connection and the read-models of
this package. A writer connection (``connection.connect``) refuses, through SQLite's
authorizer, a write to a table its service does not own, so this list is enforced, not
just documented. ``tests/unit/test_database_layer.py`` holds it equal to the CREATE
TABLEs in the code.
"""

from typing import Literal

Owner = Literal["storage", "capture_gateway", "token_entry", "notifier"]

OWNERS: dict[str, Owner] = {
    "readings": "storage",
    "latest": "storage",
    "rejected": "storage",
    "rollups": "storage",
    "outbox": "storage",
    "sink_state": "storage",
    "corrections": "storage",
    "meta": "storage",
    "capacity_quarters": "capture_gateway",
    "capacity_months": "capture_gateway",
    "token_attempts": "token_entry",
    "notifier_chats": "notifier",
    "notifier_schedules": "notifier",
}
