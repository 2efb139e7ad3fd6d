"""Identifiers on the wire: site, controller, key, request and photo ids.

One rule for all of them, because most end up in MQTT topic levels: 1 to 64 characters
from ``A-Z a-z 0-9 _ -``. That excludes the MQTT wildcards ``+`` and ``#``, the level
separator ``/``, ``$`` (reserved for broker topics) and anything a log or a file name
would have to escape.
"""

NAME_MAX = 64
NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
_NAME_SET = set(NAME_CHARS)

# Lower-case words name kinds of things (event kinds, reader kinds): [a-z0-9_].
_WORD_SET = set("abcdefghijklmnopqrstuvwxyz0123456789_")


def is_name(text: object, max_len: int = NAME_MAX) -> bool:
    """Whether ``text`` is a valid identifier of at most ``max_len`` characters."""
    if not isinstance(text, str) or not 0 < len(text) <= max_len:
        return False
    return all(ch in _NAME_SET for ch in text)


def is_word(text: object, max_len: int) -> bool:
    """Whether ``text`` is a lower-case word ([a-z0-9_], 1 to ``max_len`` characters)."""
    if not isinstance(text, str) or not 0 < len(text) <= max_len:
        return False
    return all(ch in _WORD_SET for ch in text)


def name_problem(text: object, max_len: int = NAME_MAX) -> str:
    """Why ``text`` is not a valid identifier, in words ("" when it is one)."""
    if not isinstance(text, str):
        return "must be text, got " + type(text).__name__
    if not text:
        return "must not be empty"
    if len(text) > max_len:
        return "is " + str(len(text)) + " characters long, the limit is " + str(max_len)
    for ch in text:
        if ch not in _NAME_SET:
            return "contains " + repr(ch) + "; allowed are A-Z a-z 0-9 _ -"
    return ""
