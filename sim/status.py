"""The running simulation seen from outside: the console's line and the technicians' commands.

:class:`SimCommands` answers the control channel (sim/control.py):

* ``swipe`` ``{controller, reader, card, pass}``: show a card (``H10301:12:3456``) at a
  reader, like a person would (pass through if it opens); the answer has the reader's
  verdict and, once the hub has stored the event, the hub's reason;
* ``door-status``: every door's lock, contact, controller power and network;
* ``fault`` ``{kind, controller | door, seconds}``: ``cut-network`` (for ``seconds``, or
  until ``restore-network``), ``power-cycle`` (off for ``seconds``), ``power-off``,
  ``power-on``, ``jam-door`` (stuck open for ``seconds``);
* ``status``: the progress line and the counts so far.

Durations given here are real seconds: a technician at a console thinks in those.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from edge.core import reasons
from sim.errors import SimError
from sim.scenario import check_card

if TYPE_CHECKING:
    from sim.runner import Simulation

HUB_WAIT_S = 5.0
FAULTS = ("cut-network", "restore-network", "power-cycle", "power-off", "power-on", "jam-door")


def status_line(sim: Simulation) -> str:
    """One line: script time, controllers, cards and verdicts, hub events, alarms, lag."""
    counts = sim.ledger.counts
    script = sim.clock.now()
    total = f"/{sim.scenario.duration:.0f}" if sim.scenario.duration else ""
    on = sum(1 for code in sim.agents if sim.faults is not None and sim.faults.powered(code))
    cut = [c for c in sim.agents if sim.proxies is not None and sim.proxies.is_cut(c)]
    events = sim.watch.snapshot() if sim.watch is not None else []
    kinds = Counter(e.kind for e in events)
    alarms = kinds.get("door_forced", 0) + kinds.get("door_held", 0)
    inside = len(sim.player.inside) if sim.player is not None else 0
    line = (f"t={script:.0f}{total}s  controllers {on}/{len(sim.agents)} on"
            f"  cards {counts['granted'] + counts['denied']} (granted {counts['granted']},"
            f" denied {counts['denied']})  inside {inside}  hub events {len(events)}"
            f"  alarms {alarms}")
    if cut:
        line += f"  [network cut: {', '.join(cut)}]"
    return line


class SimCommands:
    """The control channel's handler for one simulation."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        command = request.get("cmd")
        if self.sim.moves is None or self.sim.faults is None:
            raise SimError("the simulator is still setting up the site; try again shortly")
        if command == "swipe":
            return self.swipe(request)
        if command == "door-status":
            return {"doors": self.door_status()}
        if command == "fault":
            return self.fault(request)
        if command == "status":
            return {"line": status_line(self.sim), "counts": dict(self.sim.ledger.counts)}
        raise SimError(f"unknown command {command!r} (commands: swipe, door-status, fault, "
                       "status)")

    def swipe(self, request: dict[str, Any]) -> dict[str, Any]:
        sim = self.sim
        assert sim.site is not None and sim.moves is not None and sim.watch is not None
        code = str(request.get("controller", ""))
        reader = request.get("reader")
        controller = sim.site.controller("controller", code)
        if not isinstance(reader, int) or reader not in controller.readers:
            raise SimError(f"reader: controller {code} has readers "
                           f"{', '.join(str(r) for r in controller.readers)}, got {reader!r}")
        key = check_card("card", str(request.get("card", "")))
        door = next((d for d in sim.site.doors.values()
                     if d.controller == code and reader in (d.entry, d.exit)), None)
        if door is None:
            raise SimError(f"reader {reader} of {code} opens no door")
        direction = "entry" if reader == door.entry else "exit"
        if not sim.moves.badge(key, door, direction, passes=bool(request.get("pass", True))) \
                and not sim.powered(code):
            raise SimError(f"controller {code} is off: the reader has no power")
        shown = next((p for p in reversed(sim.ledger.copy_presented())
                      if p.card == key and p.controller == code and p.reader == reader), None)
        if shown is None:
            raise SimError(f"the card was not shown: controller {code} is off or starting")
        answer: dict[str, Any] = {"door": door.name, "direction": direction,
                                  "granted": shown.granted}
        deadline = time.monotonic() + HUB_WAIT_S
        while time.monotonic() < deadline:
            sim.watch.poll()
            found = next((e for e in sim.watch.snapshot() if e.kind == "access"
                          and e.controller == code and e.reader == reader and e.card == key
                          and e.ts >= int(shown.at) - 1), None)
            if found is not None:
                answer["hub"] = {"reason": reasons.name(found.reason), "seq": found.seq,
                                 "granted": found.granted, "faces": found.faces}
                break
            time.sleep(0.1)
        return answer

    def door_status(self) -> list[dict[str, Any]]:
        sim = self.sim
        assert sim.site is not None and sim.hardware is not None
        out = []
        for door in sorted(sim.site.doors.values(), key=lambda d: (d.controller, d.number)):
            state = sim.hardware.door(door)
            out.append({
                "door": door.name, "controller": door.controller, "number": door.number,
                "locked": not state.unlocked, "open": state.open,
                "relay": state.relay, "power": sim.powered(door.controller),
                "network": "cut" if sim.proxies is not None
                and door.controller in sim.agents and sim.proxies.is_cut(door.controller)
                else "ok"})
        return out

    def fault(self, request: dict[str, Any]) -> dict[str, Any]:
        faults = self.sim.faults
        assert faults is not None
        kind = request.get("kind")
        seconds = request.get("seconds")
        if seconds is not None and (isinstance(seconds, bool)
                                    or not isinstance(seconds, int | float) or seconds < 0):
            raise SimError(f"seconds: expected a number of seconds, got {seconds!r}")
        target = str(request.get("controller") or request.get("door") or "")
        if kind == "cut-network":
            faults.cut_network(target, seconds)
        elif kind == "restore-network":
            faults.restore_network(target)
        elif kind == "power-cycle":
            faults.power_cycle(target, 5.0 if seconds is None else float(seconds))
        elif kind == "power-off":
            faults.power_off(target)
        elif kind == "power-on":
            faults.power_on(target)
        elif kind == "jam-door":
            faults.jam_door(target, 10.0 if seconds is None else float(seconds))
        else:
            raise SimError(f"kind: expected one of {', '.join(FAULTS)}, got {kind!r}")
        return {"done": kind, "target": target}
