"""Stored values shown to people (states, kinds, results, reasons) and their translatable
names: a value in the database is never shown raw, and every name is a literal the
message extractor finds."""

from __future__ import annotations

from typing import Any

from hub.ui.i18n import lazy

WORDS: dict[str, Any] = {
    # badge states and history actions
    "unused": lazy("unused"), "issued": lazy("issued"), "withdrawn": lazy("withdrawn"),
    "registered": lazy("registered"), "validity_changed": lazy("validity changed"),
    "pin_changed": lazy("PIN changed"),
    # schedule kinds and custom right kinds
    "weekly": lazy("weekly"), "cyclic": lazy("cyclic"), "holiday": lazy("holiday"),
    "all": lazy("times, absences and shifts"), "absences": lazy("only absences"),
    "shifts": lazy("only shifts"),
    # activation results (hub.sync.activation)
    "applied": lazy("applied"), "disabled": lazy("disabled"), "offline": lazy("offline"),
    "timeout": lazy("no answer in time"), "error": lazy("refused by the controller"),
    # why a login failed (hub.auth.logins.LoginFailure)
    "unknown_user": lazy("unknown user name"), "bad_password": lazy("wrong password"),
    "no_password": lazy("account without a password"), "inactive": lazy("inactive account"),
    "address": lazy("address not allowed"),
    "directory_unavailable": lazy("directory not reachable"),
    "rate_limited": lazy("too many attempts"),
    # directions of access points, controller kinds
    "entry": lazy("entry"), "exit": lazy("exit"), "controller": lazy("controller"),
    "concentrator": lazy("concentrator"),
    # event kinds (the edges' words)
    "access": lazy("access"), "door_opened": lazy("door opened"),
    "door_closed": lazy("door closed"), "door_forced": lazy("door forced open"),
    "door_held": lazy("door held open"), "door_held_cleared": lazy("door closed again"),
    "exit_button": lazy("exit button"), "door_command": lazy("remote door command"),
    "free_open_started": lazy("free opening started"),
    "free_open_ended": lazy("free opening ended"), "door_fault": lazy("door fault"),
    "tamper": lazy("tamper"),
}


def word(value: str) -> str:
    """The name of a stored value in the request's language (the value itself if unknown)."""
    found = WORDS.get(value)
    return str(found) if found is not None else value
