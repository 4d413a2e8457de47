"""How far each sink is behind: read by storage's outbox and by the web page's health view."""

from __future__ import annotations

import sqlite3

from ..domain.timekeys import iso


def sink_status(db: sqlite3.Connection, sinks: list[str] | None = None) -> list[dict[str, object]]:
    """Queue state of each sink: waiting readings, sent, dropped, refused, last error."""
    rows = db.execute(
        "SELECT s.sink, s.position, s.pending_bytes, s.sent, s.dropped, s.refused, s.last_ok, "
        "s.last_error, s.last_error_at, "
        "(SELECT count(*) FROM outbox o WHERE o.seq > s.position) AS waiting "
        "FROM sink_state s ORDER BY s.sink"
    ).fetchall()
    return [
        {
            "sink": r[0],
            "waiting": r[9],
            "waiting_bytes": r[2],
            "sent": r[3],
            "dropped": r[4],
            "refused": r[5],
            "last_ok": iso(r[6]) if r[6] else None,
            "last_error": r[7],
            "last_error_at": iso(r[8]) if r[8] else None,
        }
        for r in rows
        if sinks is None or r[0] in sinks
    ]
