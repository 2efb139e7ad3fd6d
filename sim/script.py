"""Playing the scenario: the script's steps and the random traffic, on the script clock.

A :class:`Player` keeps a queue of timed tasks. Each due task runs on its own thread
(a visit takes real seconds at the door and must not hold up the next step); a visit
whose entry was granted queues the person's way out after their stay. Traffic draws
visits with exponential gaps at the configured rate, from the configured people (and
now and then a stranger's card) and doors.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from protocols.portable import wiegand
from protocols.portable.cardkey import H10301_26
from sim.clock import ScriptClock
from sim.faults import Faults
from sim.moves import Moves
from sim.scenario import Scenario, Step, check_card
from sim.site import DoorModel, PersonModel, SiteModel

log = logging.getLogger(__name__)

STRANGER_FACILITY = 250  # strangers' cards: a facility code no sample site uses
TICK_S = 0.1  # real seconds between looks at the task queue


@dataclass(order=True)
class _Task:
    at: float
    order: int
    label: str = field(compare=False)
    run: Callable[[], None] = field(compare=False)


class Player:
    """Runs a scenario's script and traffic against the simulated site."""

    def __init__(self, scenario: Scenario, site: SiteModel, moves: Moves, faults: Faults,
                 clock: ScriptClock, note: Callable[[str], None]) -> None:
        self.scenario = scenario
        self.site = site
        self.moves = moves
        self.faults = faults
        self.clock = clock
        self._note = note
        self._random = random.Random(scenario.seed)  # noqa: S311 - a reproducible script, not secrets
        self._tasks: list[_Task] = []
        self._order = itertools.count()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.inside: set[str] = set()  # people in the site now (by name)
        self.errors: list[str] = []
        self.steps_done = 0

    # -- scheduling --------------------------------------------------------------------------
    def schedule(self, at: float, label: str, run: Callable[[], None]) -> None:
        with self._lock:
            heapq.heappush(self._tasks, _Task(at, next(self._order), label, run))

    def plan(self) -> None:
        """Queue every script step and the first traffic arrival."""
        for step in self.scenario.script:
            self.schedule(step.at, f"{step.where} {step.action}", self._step_task(step))
        if self.scenario.traffic.rate_per_minute > 0:
            self.schedule(self._next_arrival(0.0), "traffic", self._arrival)

    def run(self, stop: threading.Event) -> None:
        """Run due tasks until ``stop`` or the duration (none: until ``stop``)."""
        end = self.scenario.duration or float("inf")
        while not stop.is_set():
            with self._lock:
                task = self._tasks[0] if self._tasks else None
            due = min(end, task.at if task is not None else end)
            if due >= end and self.clock.now() >= end:
                break
            if self.clock.now() < due:
                # short naps: a move under way may queue an earlier task (a way out)
                stop.wait(min(TICK_S, self.clock.until(due)))
                continue
            if task is None:
                continue
            with self._lock:
                if not self._tasks or self._tasks[0] is not task:
                    continue  # an earlier task arrived meanwhile
                heapq.heappop(self._tasks)
            self._start(task)
        self.wait_idle(stop)

    def wait_idle(self, stop: threading.Event, timeout_s: float = 60.0) -> None:
        """Let the moves under way finish (people leave the door they are at)."""
        for thread in list(self._threads):
            thread.join(timeout_s)

    def _start(self, task: _Task) -> None:
        def body() -> None:
            try:
                task.run()
            except Exception as err:  # a step's failure is reported; the run goes on
                log.exception("%s failed", task.label)
                self.errors.append(f"{task.label}: {err}")
                self._note(f"{task.label} failed: {err}")

        thread = threading.Thread(target=body, name=f"sim-{task.label}", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    # -- script steps --------------------------------------------------------------------------
    def _step_task(self, step: Step) -> Callable[[], None]:
        def run() -> None:
            self._do(step)
            self.steps_done += 1
        return run

    def _do(self, step: Step) -> None:
        where = step.where
        door = self.site.door(f"{where}.door", step.door) if step.door else None
        who = self.site.person(f"{where}.who", step.who) if step.who else None
        if step.action == "visit" and door is not None and who is not None:
            self.visit(who, door, step.duration)
        elif step.action == "badge" and door is not None:
            key = who.key if who else check_card(f"{where}.card", step.card or "")
            self.moves.badge(key, door, step.direction, passes=step.passes)
        elif step.action == "tailgate" and door is not None and who is not None:
            self.moves.tailgate(who.key, door, step.direction)
        elif step.action == "forced" and door is not None:
            self.moves.forced(door)
        elif step.action == "held-open" and door is not None:
            self.moves.held_open(door, who.key if who else None)
        elif step.action == "exit-button" and door is not None:
            self.moves.exit_button(door)
        elif step.action == "jam-door" and door is not None:
            self.faults.jam_door(door.name, self.clock.real(step.duration))
        elif step.action == "cut-network" and step.controller:
            self.faults.cut_network(step.controller, self.clock.real(step.duration))
        elif step.action == "power-cycle" and step.controller:
            self.faults.power_cycle(step.controller, self.clock.real(step.duration))

    def visit(self, who: PersonModel, door: DoorModel, stay: float) -> None:
        """In through ``door``; after ``stay`` script seconds, out the same way."""
        granted = self.moves.badge(who.key, door, "entry")
        if not granted:
            return
        with self._lock:
            self.inside.add(who.name)
        self.schedule(self.clock.now() + stay, f"{who.name} leaves", lambda: self._leave(who, door))

    def _leave(self, who: PersonModel, door: DoorModel) -> None:
        if door.exit is not None:
            self.moves.badge(who.key, door, "exit")
        else:
            self.moves.exit_button(door)
        with self._lock:
            self.inside.discard(who.name)

    # -- traffic ---------------------------------------------------------------------------------
    def _next_arrival(self, now: float) -> float:
        rate = self.scenario.traffic.rate_per_minute / 60.0
        return now + self._random.expovariate(rate)

    def _arrival(self) -> None:
        traffic = self.scenario.traffic
        self.schedule(self._next_arrival(self.clock.now()), "traffic", self._arrival)
        names = traffic.doors or tuple(self.site.doors)
        doors = [d for d in (self.site.doors[n] for n in names)
                 if d.entry is not None and d.entry not in d.pin_readers]
        if not doors:
            return
        door = self._random.choice(doors)
        if self._random.random() < traffic.stranger_share:
            card = self._random.randrange(1, 65536)
            key = wiegand.card_key_for(H10301_26, STRANGER_FACILITY, card)
            self.moves.badge(key, door, "entry")
            return
        with self._lock:
            outside = [n for n in (traffic.people or tuple(self.site.people))
                       if n not in self.inside]
        if not outside:
            return
        who = self.site.people[self._random.choice(outside)]
        stay = self._random.uniform(traffic.stay_min, traffic.stay_max)
        self.visit(who, door, stay)
