"""Hypothesis strategies for compiled access lists, as plain content (CPython tests only).

Content has the shape protocols/vectors/generate_accesslist.py reads, so its plain
reimplementation can encode it independently::

    {"version", "site", "controller", "horizon": [hs, he], "salt": hex,
     "readers": [[id, flags]], "schedules": {name: boundaries},
     "profiles": {name: {"reader id": schedule name}},
     "cards": [[key, profile name, valid_from, valid_to, flags, pin digits or None]]}

Schedules and profiles are distinct in content (the plain encoder does not deduplicate)
and each schedule's raw windows are kept in ``windows`` for the reference decision.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from protocols.portable.accesslist import AccessList, AccessListBuilder

T0 = 1767225600
MAX = 0xFFFFFFFF

# Times near T0 collide often (shared boundaries, touching windows); a few are extreme.
times = st.one_of(st.integers(T0, T0 + 400), st.integers(0, MAX), st.sampled_from([0, MAX]))


def merged(windows: list[tuple[int, int]]) -> list[int]:
    """Boundaries of the union of ``windows`` (a plain reimplementation for the oracle)."""
    out: list[list[int]] = []
    for start, end in sorted(w for w in windows if w[0] < w[1]):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [t for pair in out for t in pair]


@st.composite
def windows(draw: st.DrawFn) -> list[tuple[int, int]]:
    pairs = draw(st.lists(st.tuples(times, times), max_size=6))
    return [(min(a, b), max(a, b)) for a, b in pairs]


@st.composite
def contents(
    draw: st.DrawFn, max_cards: int = 25, site: str = "hq", salt: str = "a1b2"
) -> dict[str, Any]:
    reader_ids = draw(st.lists(st.integers(0, 12), min_size=1, max_size=6, unique=True))
    readers = [[r, draw(st.sampled_from([0, 0, 1]))] for r in reader_ids]
    raw: dict[str, list[tuple[int, int]]] = {}
    seen_boundaries: set[tuple[int, ...]] = set()
    for i in range(draw(st.integers(1, 5))):
        w = draw(windows())
        b = tuple(merged(w))
        if b not in seen_boundaries:
            seen_boundaries.add(b)
            raw["s" + str(i)] = w
    names = sorted(raw)
    profiles: dict[str, dict[str, str]] = {}
    seen_profiles: set[tuple[tuple[int, str], ...]] = set()
    for i in range(draw(st.integers(1, 6))):
        chosen = draw(st.lists(st.sampled_from(reader_ids), unique=True, max_size=4))
        access = {str(r): draw(st.sampled_from(names)) for r in chosen}
        ident = tuple(sorted((int(r), s) for r, s in access.items()))
        if ident not in seen_profiles:
            seen_profiles.add(ident)
            profiles["p" + str(i)] = access
    base = draw(st.sampled_from([1 << 56, 96 << 56, 0]))
    keys = draw(st.lists(st.one_of(st.integers(0, 300).map(lambda n: base + n),
                                   st.integers(0, (1 << 64) - 1)),
                         unique=True, max_size=max_cards))
    cards = []
    for k in keys:
        if draw(st.integers(0, 3)) == 0:
            a, b = draw(times), draw(times)
            valid = [min(a, b), max(a, b) + (1 if a == b else 0)]
            if valid[1] > MAX:
                valid = [valid[0] - 1, MAX]
        else:
            valid = [0, MAX]
        cards.append([k, draw(st.sampled_from(sorted(profiles))), valid[0], valid[1],
                      draw(st.sampled_from([0, 0, 0, 1])),
                      draw(st.one_of(st.none(), st.from_regex(r"\A[0-9]{1,6}\Z")))])
    hs = draw(st.integers(0, T0 + 300))
    he = draw(st.integers(hs + 1, MAX))
    return {
        "version": draw(st.integers(1, 1000)),
        "site": site,
        "controller": "c1",
        "horizon": [hs, he],
        "salt": salt,
        "readers": readers,
        "schedules": {n: merged(w) for n, w in raw.items()},
        "windows": raw,
        "profiles": profiles,
        "cards": cards,
    }


def build(content: dict[str, Any], order: list[int] | None = None) -> AccessList:
    """The AccessList of ``content``, cards fed in ``order`` (indexes) when given."""
    b = AccessListBuilder(
        content["version"], site=content["site"], controller=content["controller"],
        horizon_start=content["horizon"][0], horizon_end=content["horizon"][1],
        salt=bytes.fromhex(content["salt"]),
    )
    for rid, flags in content["readers"]:
        b.reader(rid, flags)
    sched = {name: b.schedule(w) for name, w in content["windows"].items()}
    prof = {name: b.profile({int(r): sched[s] for r, s in access.items()})
            for name, access in content["profiles"].items()}
    cards = content["cards"]
    for i in order if order is not None else range(len(cards)):
        k, p, vf, vt, flags, pin = cards[i]
        b.card(k, prof[p], vf, vt, flags=flags, pin=pin)
    return b.build()


@st.composite
def evolved(draw: st.DrawFn, content: dict[str, Any]) -> dict[str, Any]:
    """``content`` after a realistic change: cards come, go and move; hours and access shift."""
    out = dict(content, version=content["version"] + draw(st.integers(1, 3)))
    raw = dict(content["windows"])
    shift = draw(st.sampled_from([0, 0, 60, 86400]))
    for name in draw(st.lists(st.sampled_from(sorted(raw)), unique=True)):
        raw[name] = [(min(s + shift, MAX), min(e + shift, MAX)) for s, e in raw[name]]
    by_boundaries: dict[tuple[int, ...], str] = {}
    for name in sorted(raw):  # keep schedules distinct, as the plain encoder needs
        by_boundaries.setdefault(tuple(merged(raw[name])), name)
    raw = {name: raw[name] for name in by_boundaries.values()}
    names = sorted(raw)
    readers = [list(r) for r in content["readers"]]
    if draw(st.booleans()):
        readers.append([draw(st.integers(13, 20)), draw(st.sampled_from([0, 1]))])
    if len(readers) > 1 and draw(st.booleans()):
        readers.pop(draw(st.integers(0, len(readers) - 1)))
    reader_ids = [r[0] for r in readers]
    profiles: dict[str, dict[str, str]] = {}
    seen: set[tuple[tuple[int, str], ...]] = set()
    for name, was in content["profiles"].items():
        access = {r: s if s in raw else names[0] for r, s in was.items() if int(r) in reader_ids}
        if draw(st.integers(0, 3)) == 0:
            access[str(draw(st.sampled_from(reader_ids)))] = draw(st.sampled_from(names))
        ident = tuple(sorted((int(r), s) for r, s in access.items()))
        if ident not in seen:
            seen.add(ident)
            profiles[name] = access
    cards = []
    for source in content["cards"]:
        roll = draw(st.integers(0, 9))
        if roll == 0:
            continue  # removed
        card = list(source)
        if card[1] not in profiles or roll == 1:
            card[1] = draw(st.sampled_from(sorted(profiles)))
        if roll == 2:
            card[2], card[3], card[4] = 0, MAX, 1 - card[4]
        if roll == 3:
            card[5] = draw(st.one_of(st.none(), st.from_regex(r"\A[0-9]{1,6}\Z")))
        cards.append(card)
    known = {c[0] for c in content["cards"]}
    for k in draw(st.lists(st.integers(0, 400), max_size=5, unique=True)):
        if k not in known:
            cards.append([k, draw(st.sampled_from(sorted(profiles))), 0, MAX, 0, None])
    hs, he = content["horizon"]
    if draw(st.booleans()) and he < MAX - 86400:
        hs, he = hs + 86400, he + 86400
    return dict(out, readers=readers, windows=raw,
                schedules={n: merged(w) for n, w in raw.items()}, profiles=profiles,
                cards=cards, horizon=[hs, he])
