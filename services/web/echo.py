"""How much of a caller's input an error may repeat: enough to see which, never all of it.

A refusal that echoed its input whole would hand a 10 MB body straight back (and into
every log line that quotes it).
"""

from __future__ import annotations

import json
from typing import Any

EXCERPT_CHARS = 80


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> Any:
    """``value`` itself when short; else the start of its text with how long it was."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, bytes):
        text = value.decode("utf-8", "replace")
    elif isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, default=str, ensure_ascii=False)
        except (ValueError, RecursionError):  # too deep or circular to write out
            text = repr(value)
        if len(text) <= limit:
            return value
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters)"


def quoted(text: str, limit: int = EXCERPT_CHARS) -> str:
    """``repr`` of a short excerpt, for messages like ``day: '…' is not a date``."""
    return repr(excerpt(text, limit))
