"""Structured log lines: ``message key=value ...`` so logs grep and parse alike."""

from __future__ import annotations

import logging
import re
from typing import Any

_FIELDS = "fields"
# Secrets that library log lines carry inside URLs: the Telegram bot token is part of
# every Bot API address (httpx logs each request), and user:password@ a configured URL.
_SECRETS_IN_URLS = (
    (re.compile(r"/bot\d+:[A-Za-z0-9_-]+"), "/bot***"),
    (re.compile(r"(?<=://)([^/@:\s]*):[^/@\s]*@"), r"\1:***@"),
)


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS_IN_URLS:
        text = pattern.sub(replacement, text)
    return text


def kv(**fields: Any) -> dict[str, Any]:
    """``log.info("stored", extra=kv(device="pln", rows=3))``."""
    return {_FIELDS: fields}


def _quote(value: Any) -> str:
    text = str(value)
    return f'"{text}"' if (" " in text or not text) else text


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        when = self.formatTime(record, "%Y-%m-%dT%H:%M:%S")
        base = f"{when} {record.levelname:<7} {record.name}: {record.getMessage()}"
        fields = getattr(record, _FIELDS, None)
        if fields:
            base += " " + " ".join(f"{k}={_quote(v)}" for k, v in fields.items())
        if record.exc_info:
            base += "\n" + self.formatException(record.exc_info)
        return redact(base)


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiomqtt/paho and uvicorn are chatty at INFO about things our own lines already say;
    # httpx logs every request (the bot's long polls: one a second).
    for noisy in ("uvicorn.access", "mqtt", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
