"""Writes accesslist.json: committed vectors of the compiled access-list format.

The bytes come from an independent, deliberately plain implementation of
docs/compiled-list.md written here (sorting, varints, first-use numbering by hand, CBOR by
``cbor2.dumps(..., canonical=True)``), never from protocols/portable. The portable test
(tests/portable/test_accesslist_vectors.py, on CPython and MicroPython) builds the same
content with AccessListBuilder and must produce these bytes, decode them back, apply the
delta and reach the target's hash, and give the hand-written decisions.
tests/protocols/test_accesslist_hypothesis.py fails when the committed file differs from
what this writes.

Run ``python -m protocols.vectors.generate_accesslist`` after a deliberate format change.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import cbor2

HERE = Path(__file__).resolve().parent
FILE = HERE / "accesslist.json"

T0 = 1767225600  # 2026-01-01T00:00:00Z
DAY = 86400
HOUR = 3600
MAX = 0xFFFFFFFF


def h10301(facility: int, number: int) -> int:
    return (1 << 56) | (facility << 16) | number


RAW32 = (96 << 56) | 0xDEADBEEF  # a raw 32-bit UID
STAFF_A = h10301(12, 3456)
STAFF_B = h10301(12, 3457)
TEMP = h10301(12, 3460)
GONE = h10301(12, 3470)
ADMIN = h10301(12, 100)
NEW = h10301(12, 3458)
UNKNOWN = h10301(12, 9999)

BASE: dict[str, Any] = {
    "version": 42,
    "site": "hq",
    "controller": "door-7",
    "horizon": [T0, T0 + 35 * DAY],
    "salt": "0102030405060708",
    "readers": [[1, 0], [2, 0], [3, 1]],
    "schedules": {
        "office": [T0 + 8 * HOUR, T0 + 18 * HOUR, T0 + DAY + 8 * HOUR, T0 + DAY + 18 * HOUR],
        "always": [0, MAX],
    },
    "profiles": {
        "staff": {"1": "office", "2": "always"},
        "admin": {"1": "always", "2": "always", "3": "always"},
    },
    # key, profile, valid_from, valid_to, flags, PIN digits
    "cards": [
        [STAFF_A, "staff", 0, MAX, 0, None],
        [STAFF_B, "staff", 0, MAX, 0, None],
        [TEMP, "staff", T0 + DAY, T0 + 10 * DAY, 0, None],
        [GONE, "staff", 0, MAX, 1, None],
        [ADMIN, "admin", 0, MAX, 0, "4711"],
        [RAW32, "admin", 0, MAX, 0, None],
    ],
}

# In the decoded base list profile 0 is "admin" (its lowest key, ADMIN, is the lowest of
# all), profile 1 "staff"; schedule 0 is "always" (admin's reader 1), schedule 1 "office".
NEW_OFFICE = [T0 + 7 * HOUR, T0 + 19 * HOUR]
DELTA_OPS: list[list[Any]] = [
    [5, 4, 0],  # reader 4 appears
    [4, 1, NEW_OFFICE],  # office hours change (boundaries; bytes in the file)
    [3, 2, [1, 1, 4, 0]],  # a new profile: office on reader 1, always on reader 4
    [1, NEW, 2, 0, MAX, 0],  # a new card with it
    [2, STAFF_B],  # a card withdrawn from this controller
    [7, STAFF_A, "1234"],  # a PIN set (digits; the hash is in the file)
    [8, T0 + DAY, T0 + 36 * DAY],  # the daily horizon roll
]


def target() -> dict[str, Any]:
    content = copy.deepcopy(BASE)
    content["version"] = 43
    content["readers"].append([4, 0])
    content["schedules"]["office"] = NEW_OFFICE
    content["profiles"]["visitor"] = {"1": "office", "4": "always"}
    content["cards"] = [c for c in content["cards"] if c[0] != STAFF_B]
    content["cards"].append([NEW, "visitor", 0, MAX, 0, None])
    for card in content["cards"]:
        if card[0] == STAFF_A:
            card[5] = "1234"
    content["horizon"] = [T0 + DAY, T0 + 36 * DAY]
    return content


# (list, card, reader, now, pin, after horizon policy, expected reason name)
DECISIONS: list[list[Any]] = [
    ["base", STAFF_A, 1, T0 + 9 * HOUR, None, "deny", "GRANTED"],
    ["base", STAFF_A, 1, T0 + 8 * HOUR, None, "deny", "GRANTED"],  # window start: inside
    ["base", STAFF_A, 1, T0 + 18 * HOUR, None, "deny", "OUTSIDE_SCHEDULE"],  # end: outside
    ["base", STAFF_A, 1, T0 + 2 * DAY + 9 * HOUR, None, "deny", "OUTSIDE_SCHEDULE"],
    ["base", STAFF_A, 3, T0 + 9 * HOUR, None, "deny", "NO_ACCESS"],
    ["base", STAFF_A, 9, T0 + 9 * HOUR, None, "deny", "NO_ACCESS"],  # unknown reader
    ["base", UNKNOWN, 1, T0 + 9 * HOUR, None, "deny", "UNKNOWN_CARD"],
    ["base", TEMP, 2, T0 + HOUR, None, "deny", "NOT_YET_VALID"],
    ["base", TEMP, 2, T0 + DAY, None, "deny", "GRANTED"],
    ["base", TEMP, 2, T0 + 10 * DAY, None, "deny", "EXPIRED"],
    ["base", GONE, 2, T0 + HOUR, None, "deny", "WITHDRAWN"],
    ["base", ADMIN, 3, T0 + HOUR, None, "deny", "PIN_REQUIRED"],
    ["base", ADMIN, 3, T0 + HOUR, "4711", "deny", "GRANTED"],
    ["base", ADMIN, 3, T0 + HOUR, "0000", "deny", "PIN_WRONG"],
    ["base", ADMIN, 1, T0 + HOUR, None, "deny", "GRANTED"],  # no PIN on a plain reader
    ["base", RAW32, 3, T0 + HOUR, "4711", "deny", "PIN_WRONG"],  # no PIN stored
    ["base", STAFF_A, 2, T0 + 35 * DAY, None, "deny", "HORIZON_EXCEEDED"],
    ["base", STAFF_A, 2, T0 + 35 * DAY, None, "ignore", "GRANTED"],
    ["base", STAFF_A, 1, T0 + 40 * DAY, None, "ignore", "GRANTED"],  # schedules ignored
    ["base", TEMP, 2, T0 + 40 * DAY, None, "ignore", "EXPIRED"],  # validity still counts
    ["target", STAFF_B, 2, T0 + 2 * DAY, None, "deny", "UNKNOWN_CARD"],
    ["target", NEW, 1, T0 + 7 * HOUR, None, "deny", "GRANTED"],
    ["target", NEW, 4, T0 + 2 * DAY, None, "deny", "GRANTED"],
    ["target", NEW, 2, T0 + 2 * DAY, None, "deny", "NO_ACCESS"],
    ["target", STAFF_A, 1, T0 + 18 * HOUR + 1, None, "deny", "GRANTED"],  # new hours
    ["target", STAFF_A, 1, T0 + DAY + 9 * HOUR, None, "deny", "OUTSIDE_SCHEDULE"],
    ["target", STAFF_A, 2, T0 + 35 * DAY, None, "deny", "GRANTED"],  # horizon moved on
]


# ----------------------------------------------------------------- plain reimplementation


def varints(values: list[int]) -> bytes:
    out = bytearray()
    for value in values:
        v = value
        while v >= 0x80:
            out.append(0x80 | (v & 0x7F))
            v >>= 7
        out.append(v)
    return bytes(out)


def ascending(values: list[int]) -> bytes:
    return varints([v - (values[i - 1] if i else 0) for i, v in enumerate(values)])


def pin_hash(salt: bytes, key: int, digits: str) -> bytes:
    return hashlib.sha256(salt + key.to_bytes(8, "big") + digits.encode()).digest()[:8]


def snapshot(content: dict[str, Any]) -> bytes:
    salt = bytes.fromhex(content["salt"])
    cards = sorted(content["cards"], key=lambda c: c[0])
    keys = [c[0] for c in cards]
    profile_order: list[str] = []
    for card in cards:
        if card[1] not in profile_order:
            profile_order.append(card[1])
    schedule_order: list[str] = []
    pr = []
    for name in profile_order:
        flat = []
        for reader in sorted(content["profiles"][name], key=int):
            sched = content["profiles"][name][reader]
            if sched not in schedule_order:
                schedule_order.append(sched)
            flat += [int(reader), schedule_order.index(sched)]
        pr.append(flat)
    terms: list[list[int]] = []
    positions = []
    numbers = []
    for i, card in enumerate(cards):
        t = [card[2], card[3], card[4]]
        if t != [0, MAX, 0]:
            if t not in terms:
                terms.append(t)
            positions.append(i)
            numbers.append(terms.index(t))
    pins = [(i, c) for i, c in enumerate(cards) if c[5] is not None]
    value = {
        "f": 1, "ver": content["version"], "site": content["site"],
        "ctl": content["controller"], "hs": content["horizon"][0],
        "he": content["horizon"][1], "salt": salt,
        "rd": sorted(content["readers"]),
        "sc": [ascending(content["schedules"][s]) for s in schedule_order],
        "pr": pr,
        "cd": [[j, ascending([c[0] for c in cards if c[1] == name])]
               for j, name in enumerate(profile_order)],
        "tm": terms,
        "vx": [ascending(positions), varints(numbers)],
        "pin": [ascending([i for i, _ in pins]),
                b"".join(pin_hash(salt, c[0], c[5]) for _, c in pins)],
    }
    assert keys == sorted(set(keys))
    return cbor2.dumps(value, canonical=True)


def delta_bytes(content: dict[str, Any]) -> bytes:
    salt = bytes.fromhex(content["salt"])
    ops = []
    for source in DELTA_OPS:
        op = list(source)
        if op[0] == 4:
            op[2] = ascending(op[2])
        elif op[0] == 7 and op[2] is not None:
            op[2] = pin_hash(salt, op[1], op[2])
        ops.append(op)
    result_hash = hashlib.sha256(snapshot(target())).digest()
    return cbor2.dumps({"f": 1, "base": 42, "ver": 43, "hash": result_hash, "ops": ops},
                       canonical=True)


def vectors() -> dict[str, Any]:
    base_bytes = snapshot(BASE)
    target_bytes = snapshot(target())
    return {
        "about": "Compiled access-list vectors (docs/compiled-list.md), written by "
                 "protocols/vectors/generate_accesslist.py from a plain reimplementation "
                 "and cbor2. Schedules are boundaries; PINs are digits (hashed in the bytes).",
        "base": BASE,
        "base_snapshot": base_bytes.hex(),
        "base_hash": hashlib.sha256(base_bytes).hexdigest(),
        "delta_ops": DELTA_OPS,
        "delta": delta_bytes(BASE).hex(),
        "target": target(),
        "target_snapshot": target_bytes.hex(),
        "target_hash": hashlib.sha256(target_bytes).hexdigest(),
        "decisions": DECISIONS,
    }


def render() -> str:
    return json.dumps(vectors(), indent=1, ensure_ascii=False) + "\n"


def main() -> None:
    FILE.write_text(render(), encoding="utf-8")
    print(f"wrote {FILE}")


if __name__ == "__main__":
    main()
