"""Structured log lines for the agent: one line per event, JSON or ``key=value``.

Every record becomes exactly one line (a traceback is folded into the ``exc`` field), so
journald, a log shipper or ``grep`` sees one event per line. Fields come from the usual
``log.info("event stored", extra=fields(seq=12, kind="access"))`` call; the message
itself keeps its ``%s`` arguments.

Card numbers and PINs never reach a line in full: a field named ``card`` is written as
``cardkey.masked`` gives it (format and last four digits), a field named ``pin`` as
stars; messages that mention a card already pass it through ``cardkey.masked``
(STYLE.md), and reader events mask themselves in their ``repr``.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Mapping
from typing import IO

from protocols.portable import cardkey
from protocols.portable.errors import ProtocolError

FIELDS_ATTR = "vratnik_fields"
_BARE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/+-*@")


def fields(**values: object) -> dict[str, object]:
    """The ``extra`` of a log call carrying structured fields."""
    return {FIELDS_ATTR: values}


def safe_value(name: str, value: object) -> object:
    """A field's value as it may appear in a log line (cards masked, PINs hidden)."""
    if value is None:
        return None
    if name == "card":
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                return cardkey.masked(value)
            except (ProtocolError, ValueError):
                return "****"
        return "****"
    if name == "pin":
        return "*" * len(str(value))
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _utc(created: float) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
    return f"{seconds}.{int(created % 1 * 1000):03d}Z"


class _StructuredFormatter(logging.Formatter):
    """Collects a record's fields; subclasses render them."""

    def items(self, record: logging.LogRecord) -> dict[str, object]:
        out: dict[str, object] = {
            "ts": _utc(record.created), "level": record.levelname.lower(),
            "logger": record.name, "thread": record.threadName,
            "msg": record.getMessage(),
        }
        extra = getattr(record, FIELDS_ATTR, None)
        if isinstance(extra, Mapping):
            for name, value in extra.items():
                key = str(name)
                if key not in out:
                    out[key] = safe_value(key, value)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exc"] = record.exc_text
        return out


class JsonFormatter(_StructuredFormatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(self.items(record), ensure_ascii=False, separators=(",", ":"),
                          default=str)


class KeyValueFormatter(_StructuredFormatter):
    """``key=value`` pairs; values with spaces or quotes are quoted, newlines escaped."""

    def format(self, record: logging.LogRecord) -> str:
        return " ".join(f"{key}={_kv(value)}" for key, value in self.items(record).items())


def _kv(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text and all(c in _BARE for c in text):
        return text
    return json.dumps(text, ensure_ascii=False)  # quotes, escapes newlines


def setup_logging(fmt: str = "json", level: str = "info",
                  stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record to ``stream`` (stderr) as one structured line; the handler.

    Replaces the root logger's handlers, so it is called once, by ``vratnik edge run``.
    """
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else KeyValueFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # paho logs through its own logger only when asked; third-party chatter stays at warning
    for noisy in ("PIL", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.captureWarnings(True)
    return handler
