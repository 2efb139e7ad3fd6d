"""Reading and writing site documents as files ("-" is standard input/output)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from hub.transfer.errors import TransferError


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            # json would keep the last one silently; in a hand-edited file that hides a typo.
            raise ValueError(f"the key {key!r} appears twice in one object")
        result[key] = value
    return result


def parse(text: str, source: str) -> Any:
    """The JSON value of ``text``; TransferError naming the line and column if it is not JSON."""
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as err:
        raise TransferError(
            [f"{source}: line {err.lineno}, column {err.colno}: {err.msg}"]
        ) from err
    except ValueError as err:
        raise TransferError([f"{source}: {err}"]) from err


def read_document(file: str) -> Any:
    """The parsed document in ``file`` ('-': standard input)."""
    if file == "-":
        return parse(sys.stdin.read(), "<stdin>")
    try:
        text = Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise TransferError([f"{file}: cannot be read: {err}"]) from err
    return parse(text, file)


def write_text(file: str, text: str) -> None:
    """Write ``text`` to ``file`` ('-': standard output), replacing the file atomically."""
    if file == "-":
        sys.stdout.write(text)
        return
    target = Path(file)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(target)
