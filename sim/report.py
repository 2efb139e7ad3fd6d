"""The summary at the end of a run: the simulator's ledger held against the hub's records.

Every card a reader answered (its LED showed green or red, so the controller decided)
must be in the hub exactly once as an access event of that controller, reader and card,
stamped at about the moment it was shown: one missing is **lost**, one that matches
nothing the simulator did is **duplicated** (or invented). Each controller's event
sequence numbers must have no gap. A card no reader answered (its controller was
starting) is counted apart: no decision was made, so no event is owed.

Lag is the time from showing the card to the watcher first reading the event from the
hub's database (stored and committed), to about the watcher's poll interval; cards
shown during a network cut or power loss of their controller wait for the link to come
back, so the lag is also given without them.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

from edge.core import reasons
from sim.hubwatch import ControllerView, HubEvent
from sim.ledger import Ledger, Presented

TS_BEFORE_S = 2.0  # an event's ts (whole seconds, the edge's clock) vs the moment shown
TS_AFTER_S = 5.0
ALARM_KINDS = ("door_forced", "door_held", "tamper")


@dataclass(frozen=True)
class Lag:
    count: int
    p50: float | None
    p95: float | None
    max: float | None

    @classmethod
    def of(cls, values: list[float]) -> Lag:
        if not values:
            return cls(0, None, None, None)
        ordered = sorted(values)
        return cls(len(ordered), _percentile(ordered, 0.5), _percentile(ordered, 0.95),
                   ordered[-1])

    def text(self) -> str:
        if not self.count:
            return "none"
        return (f"p50 {self.p50:.2f} s, p95 {self.p95:.2f} s, max {self.max:.2f} s "
                f"({self.count} events)")


@dataclass
class Report:
    """What a run did and what the hub holds (``as_dict()`` for JSON)."""

    scenario: str
    real_seconds: float
    script_seconds: float
    speed: float
    controllers: int
    presented: int = 0
    answered: int = 0
    unanswered: int = 0
    granted: int = 0
    denied: int = 0
    denials: dict[str, int] = field(default_factory=dict)
    alarms: dict[str, int] = field(default_factory=dict)
    alarms_expected: dict[str, int] = field(default_factory=dict)
    hub_events: int = 0
    hub_kinds: dict[str, int] = field(default_factory=dict)
    historical: int = 0
    photos: int = 0
    faces: int = 0
    lag: Lag = field(default_factory=lambda: Lag(0, None, None, None))
    lag_undisturbed: Lag = field(default_factory=lambda: Lag(0, None, None, None))
    lost: int = 0
    duplicated: int = 0
    sequence_gaps: int = 0
    unacknowledged: dict[str, int] = field(default_factory=dict)
    undelivered: dict[str, int] = field(default_factory=dict)  # edge outbox vs hub (-1: unknown)
    moves: dict[str, int] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=dict)

    @property
    def missing_alarms(self) -> dict[str, int]:
        return {kind: n - self.alarms.get(kind, 0) for kind, n in self.alarms_expected.items()
                if self.alarms.get(kind, 0) < n}

    @property
    def ok(self) -> bool:
        """Nothing lost, duplicated or missing, every expected alarm at the hub."""
        return not (self.lost or self.duplicated or self.sequence_gaps or self.missing_alarms
                    or any(self.unacknowledged.values()) or any(self.undelivered.values()))

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["ok"] = self.ok
        data["missing_alarms"] = self.missing_alarms
        return data

    def as_text(self) -> str:
        def listing(counts: dict[str, int]) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"

        expected = self.alarms_expected
        alarm_text = ", ".join(
            f"{kind} {self.alarms.get(kind, 0)}"
            + (f" (expected {expected[kind]})" if kind in expected else "")
            for kind in sorted(set(self.alarms) | set(expected))) or "none"
        lines = [
            f"Summary of {self.scenario}: {self.real_seconds:.0f} s real, "
            f"{self.script_seconds:.0f} s of script at speed {self.speed:g}, "
            f"{self.controllers} controllers",
            f"  cards shown      {self.presented} ({self.answered} answered by the reader, "
            f"{self.unanswered} not answered)",
            f"  grants           {self.granted}",
            f"  denials          {self.denied}: {listing(self.denials)}",
            f"  alarms           {alarm_text}",
            f"  hub events       {self.hub_events} ({self.historical} historical): "
            f"{listing(self.hub_kinds)}",
            f"  photos           {self.photos} with {self.faces} faces",
            f"  event lag        {self.lag.text()}",
            f"  without outages  {self.lag_undisturbed.text()}",
            f"  people           {listing(self.moves)}",
            f"  faults           {listing(self.faults)}",
            f"  lost {self.lost}, duplicated {self.duplicated}, sequence gaps "
            f"{self.sequence_gaps}, unacknowledged {sum(self.unacknowledged.values())}, "
            f"still in outboxes {_outboxes(self.undelivered)}",
            "  RESULT: " + ("ok" if self.ok else "PROBLEMS (see above)"),
        ]
        return "\n".join(lines)


def _outboxes(undelivered: dict[str, int]) -> str:
    if not undelivered:
        return "0"
    return ", ".join(f"{code} {'unknown' if n < 0 else n}" for code, n in
                     sorted(undelivered.items()))


def build(scenario: str, real_seconds: float, script_seconds: float, speed: float,
          ledger: Ledger, events: list[HubEvent], views: dict[str, ControllerView]) -> Report:
    """Hold the ledger against the hub's events (see the module docstring)."""
    report = Report(scenario, real_seconds, script_seconds, speed, len(views))
    presented = ledger.copy_presented()
    report.presented = len(presented)
    report.answered = sum(1 for p in presented if p.granted is not None)
    report.unanswered = report.presented - report.answered
    access = [e for e in events if e.kind == "access"]
    matched, unmatched_events = _match(presented, access)
    lags, calm = [], []
    for entry, event in matched.items():
        lag = event.seen_at - entry.at
        lags.append(lag)
        if not ledger.affected(entry.controller, entry.at, event.seen_at):
            calm.append(lag)
    report.lag, report.lag_undisturbed = Lag.of(lags), Lag.of(calm)
    report.lost = sum(1 for p in presented if p.granted is not None and p not in matched)
    report.duplicated = len(unmatched_events)
    run_access = [matched[p] for p in presented if p in matched]
    report.granted = sum(1 for e in run_access if e.granted)
    report.denied = sum(1 for e in run_access if not e.granted)
    report.denials = dict(Counter(reasons.name(e.reason) for e in run_access if not e.granted))
    kinds = Counter(e.kind for e in events)
    report.hub_events = len(events)
    report.hub_kinds = dict(kinds)
    report.alarms = {k: kinds[k] for k in ALARM_KINDS if kinds.get(k)}
    report.alarms_expected = dict(Counter(a.kind for a in ledger.copy_alarms()))
    report.historical = sum(1 for e in events if e.historical)
    report.photos = sum(1 for e in events if e.photo)
    report.faces = sum(e.faces or 0 for e in events)
    report.sequence_gaps = _gaps(events)
    report.unacknowledged = {code: v.max_seq - v.events_upto for code, v in views.items()
                             if v.max_seq != v.events_upto}
    report.moves = {k: v for k, v in ledger.counts.items() if k not in FAULT_COUNTS}
    report.faults = {k: v for k, v in ledger.counts.items() if k in FAULT_COUNTS}
    return report


FAULT_COUNTS = frozenset({"network cuts", "power cycles", "jammed doors"})


def _match(presented: list[Presented], access: list[HubEvent]
           ) -> tuple[dict[Presented, HubEvent], list[HubEvent]]:
    """Pair each shown card with its access event (same controller, reader, card, time)."""
    pool: dict[tuple[str, int | None, int | None], list[HubEvent]] = defaultdict(list)
    for event in access:
        pool[(event.controller, event.reader, event.card)].append(event)
    matched: dict[Presented, HubEvent] = {}
    for entry in sorted(presented, key=lambda p: p.at):
        candidates = pool.get((entry.controller, entry.reader, entry.card), [])
        for index, event in enumerate(candidates):
            if entry.at - TS_BEFORE_S <= event.ts <= entry.at + TS_AFTER_S:
                matched[entry] = candidates.pop(index)
                break
    leftover = [e for events in pool.values() for e in events]
    return matched, leftover


def _gaps(events: list[HubEvent]) -> int:
    """Missing sequence numbers between the lowest and highest seen, per controller."""
    seqs: dict[str, set[int]] = defaultdict(set)
    for event in events:
        seqs[event.controller].add(event.seq)
    return sum(max(s) - min(s) + 1 - len(s) for s in seqs.values() if s)


def _percentile(ordered: list[float], q: float) -> float:
    index = max(0, math.ceil(q * len(ordered)) - 1)
    return ordered[index]

