"""What the simulator needs to know of a site: controllers, their doors and readers, people.

Built from the site document the hub imports (sim/sitedoc.py makes one for an inline
site), so the simulated hardware matches the hub's configuration exactly: a door is
simulated on the controller whose readers serve it, and its number there is its lowest
reader number (the rule the hub's door commands use).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.scenario import DoorTiming, Scenario, Step, check_card
from sim.tomlcheck import fail, one_of


@dataclass(frozen=True)
class DoorModel:
    """One simulated door: the controller that drives it and its readers there."""

    name: str
    controller: str
    number: int  # the door's number on its controller (its lowest reader)
    entry: int | None  # reader numbers (None: no reader that way)
    exit: int | None
    pin_readers: frozenset[int]
    timing: DoorTiming

    def reader(self, direction: str) -> int | None:
        return self.entry if direction == "entry" else self.exit


@dataclass(frozen=True)
class ControllerModel:
    code: str
    kind: str
    enabled: bool
    doors: tuple[str, ...]
    readers: tuple[int, ...]


@dataclass(frozen=True)
class PersonModel:
    """A person (or a group's card, e.g. an alarm-reset card) with one card."""

    name: str
    card: str  # as text, e.g. H10301:12:3456
    key: int


@dataclass(frozen=True)
class SiteModel:
    code: str
    controllers: dict[str, ControllerModel]
    doors: dict[str, DoorModel]
    people: dict[str, PersonModel]

    def person(self, where: str, name: str) -> PersonModel:
        """A person by name, or by card text; ScenarioError naming ``where`` otherwise."""
        for person in self.people.values():
            if person.card == name:
                return person
        return one_of(where, name, self.people, "person")

    def door(self, where: str, name: str) -> DoorModel:
        return one_of(where, name, self.doors, "door")

    def controller(self, where: str, code: str) -> ControllerModel:
        return one_of(where, code, self.controllers, "controller")


def read_document(path: Path) -> dict[str, Any]:
    """A site document file as JSON; ScenarioError when it cannot be read."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ScenarioError(f"site.file: cannot read site document {path}: {err}") from err
    if not isinstance(raw, dict):
        raise ScenarioError(f"site.file: {path} is not a JSON object")
    return raw


def _walk_groups(groups: list[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for group in groups:
        yield group
        yield from _walk_groups(list(group.get("groups") or []))


def site_model(doc: Mapping[str, Any], timing_of: Callable[[str], DoorTiming]) -> SiteModel:
    """The simulator's view of a site document (``timing_of(door)`` gives door timings)."""
    served: dict[str, dict[str, list[tuple[int, str, bool]]]] = {}  # door -> ctl -> readers
    controllers: dict[str, ControllerModel] = {}
    for ctl in doc.get("controllers") or []:
        readers = list(ctl.get("readers") or [])
        for reader in readers:
            served.setdefault(reader["door"], {}).setdefault(ctl["code"], []).append(
                (int(reader["reader_no"]), reader["direction"], bool(reader.get("requires_pin"))))
        door_names = tuple(dict.fromkeys(r["door"] for r in readers))
        controllers[ctl["code"]] = ControllerModel(
            ctl["code"], ctl.get("kind", "controller"), bool(ctl.get("enabled", True)),
            door_names, tuple(sorted(int(r["reader_no"]) for r in readers)))
    doors: dict[str, DoorModel] = {}
    for name, by_controller in served.items():
        if len(by_controller) > 1:
            raise ScenarioError(f"site: door {name!r} has readers on several controllers "
                                f"({', '.join(sorted(by_controller))}); the simulator drives "
                                "each door from one controller")
        [(code, readers)] = by_controller.items()
        entry = min((n for n, d, _ in readers if d == "entry"), default=None)
        exit_ = min((n for n, d, _ in readers if d == "exit"), default=None)
        doors[name] = DoorModel(name, code, min(n for n, _, _ in readers), entry, exit_,
                                frozenset(n for n, _, pin in readers if pin), timing_of(name))
    people: dict[str, PersonModel] = {}
    for person in doc.get("persons") or []:
        for badge in person.get("badges") or []:
            full = f"{person['name']} {person['surname']}".strip()
            _add(people, full, badge["card"])
    for group in _walk_groups(list(doc.get("groups") or [])):
        for badge in group.get("badges") or []:
            _add(people, badge.get("label") or f"{group['name']} card", badge["card"])
    return SiteModel(doc["site"]["code"], controllers, doors, people)


def _add(people: dict[str, PersonModel], name: str, card: str) -> None:
    label = name if name not in people else f"{name} ({card})"
    people[label] = PersonModel(label, card, check_card(f"card of {label}", card))


def check_script(scenario: Scenario, site: SiteModel) -> None:
    """Every name the script and traffic use exists in the site; ScenarioError otherwise."""
    for step in scenario.script:
        _check_step(step, site)
    traffic = scenario.traffic
    for index, name in enumerate(traffic.people):
        site.person(f"traffic.people[{index}]", name)
    for index, name in enumerate(traffic.doors):
        site.door(f"traffic.doors[{index}]", name)
    if traffic.rate_per_minute and not _walkable(site, traffic.doors):
        raise ScenarioError("traffic: none of its doors has an entry reader")


def _walkable(site: SiteModel, names: tuple[str, ...]) -> list[DoorModel]:
    doors = [site.doors[n] for n in names] if names else list(site.doors.values())
    return [d for d in doors if d.entry is not None]


def _check_step(step: Step, site: SiteModel) -> None:
    where = step.where
    if step.who is not None:
        site.person(f"{where}.who", step.who)
    if step.follower is not None:
        site.person(f"{where}.follower", step.follower)
    if step.controller is not None:
        site.controller(f"{where}.controller", step.controller)
    if step.door is None:
        return
    door = site.door(f"{where}.door", step.door)
    if step.action in ("visit", "badge", "tailgate"):
        direction = "entry" if step.action == "visit" else step.direction
        reader = door.reader(direction)
        if reader is None:
            raise fail(f"{where}.door", f"door {door.name!r} has no {direction} reader")
        if reader in door.pin_readers:
            raise fail(f"{where}.door", f"the {direction} reader of {door.name!r} needs a PIN; "
                       "the simulator badges cards only")
