"""Whether the names a site document refers to exist in it, and are not defined twice.

Runs on the validated document before the database is touched, and reports every problem
at once with its path (``persons[2].group: no group Factory/Workshop 3``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from hub.sites.services import BUILTIN_CLASSES
from protocols import cardtext


class Names:
    """The names one kind of thing has in the document."""

    def __init__(self, kind: str, problems: list[str]) -> None:
        self.kind = kind
        self.known: set[Any] = set()
        self.problems = problems

    def define(self, path: str, name: Any) -> None:
        """Record a definition; a second one with the same name is a problem."""
        if name in self.known:
            self.problems.append(f"{path}: a second {self.kind} named {_show(name)}")
        self.known.add(name)

    def need(self, path: str, name: Any) -> None:
        """Record a reference; a name never defined is a problem."""
        if name is not None and name not in self.known:
            self.problems.append(f"{path}: no {self.kind} named {_show(name)} in the document")


def _show(name: Any) -> str:
    if isinstance(name, int):  # a card key
        return cardtext.to_text(name)
    if isinstance(name, tuple):
        return "/".join(str(part) for part in name)
    return repr(name)


def _groups(groups: list[dict[str, Any]], path: str, parent: tuple[str, ...]
            ) -> Iterator[tuple[str, tuple[str, ...], dict[str, Any]]]:
    for index, group in enumerate(groups):
        where = f"{path}[{index}]"
        own = (*parent, group["name"])
        yield where, own, group
        yield from _groups(group["groups"], f"{where}.groups", own)


def group_paths(doc: dict[str, Any]) -> Iterator[tuple[str, tuple[str, ...], dict[str, Any]]]:
    """(document path, group path of names, group) of every group, parents first."""
    return _groups(doc["groups"], "groups", ())


def check_references(doc: dict[str, Any]) -> list[str]:
    """Every dangling or duplicate name in the validated document."""
    problems: list[str] = []
    kinds = {kind: Names(kind, problems) for kind in (
        "class", "title", "schedule", "holiday list", "room", "door", "access point group",
        "controller", "policy", "group", "card")}
    classes, schedules, rooms = kinds["class"], kinds["schedule"], kinds["room"]
    doors, point_groups, policies = kinds["door"], kinds["access point group"], kinds["policy"]
    classes.known.update(name for name, _ in BUILTIN_CLASSES)
    _define(classes, "classes", doc["classes"])
    _define(kinds["title"], "titles", doc["titles"])
    _define(schedules, "schedules", doc["schedules"])
    _define(kinds["holiday list"], "holiday_lists", doc["holiday_lists"])
    _define(rooms, "rooms", doc["rooms"])
    _define(doors, "doors", doc["doors"])
    _define(point_groups, "access_point_groups", doc["access_point_groups"])
    _define(policies, "policies", doc["policies"])
    for index, controller in enumerate(doc["controllers"]):
        kinds["controller"].define(f"controllers[{index}].code", controller["code"])
    for index, title in enumerate(doc["titles"]):
        for position, name in enumerate(title["classes"]):
            classes.need(f"titles[{index}].classes[{position}]", name)
    for index, door in enumerate(doc["doors"]):
        rooms.need(f"doors[{index}].from_room", door["from_room"])
        rooms.need(f"doors[{index}].to_room", door["to_room"])
    for index, group in enumerate(doc["access_point_groups"]):
        for position, member in enumerate(group["members"]):
            where = f"access_point_groups[{index}].members[{position}]"
            doors.need(f"{where}.door", member["door"])
            point_groups.need(f"{where}.group", member["group"])
    for index, controller in enumerate(doc["controllers"]):
        for position, reader in enumerate(controller["readers"]):
            doors.need(f"controllers[{index}].readers[{position}].door", reader["door"])
    for index, policy in enumerate(doc["policies"]):
        for position, rule in enumerate(policy["rules"]):
            where = f"policies[{index}].rules[{position}]"
            doors.need(f"{where}.door", rule["door"])
            point_groups.need(f"{where}.access_point_group", rule["access_point_group"])
            schedules.need(f"{where}.schedule", rule["schedule"])
            kinds["holiday list"].need(f"{where}.holiday_list", rule["holiday_list"])
            schedules.need(f"{where}.holiday_schedule", rule["holiday_schedule"])
    cards = kinds["card"]
    for where, path, group in group_paths(doc):
        kinds["group"].define(f"{where}.name", path)
        policies.need(f"{where}.policy", group["policy"])
        _cards(cards, f"{where}.badges", group["badges"])
    _check_persons(doc, kinds)
    _cards(cards, "pool", doc["pool"])
    return problems


def _check_persons(doc: dict[str, Any], kinds: dict[str, Names]) -> None:
    for index, person in enumerate(doc["persons"]):
        where = f"persons[{index}]"
        kinds["class"].need(f"{where}.class", person["person_class"])
        kinds["group"].need(f"{where}.group", tuple(person["group"]))
        kinds["policy"].need(f"{where}.main_policy", person["main_policy"])
        for position, grant in enumerate(person["additional_policies"]):
            kinds["policy"].need(f"{where}.additional_policies[{position}].policy",
                                 grant["policy"])
        for title in person["titles"]:
            kinds["title"].need(f"{where}.titles.{title}", title)
        for position, location in enumerate(person["locations"]):
            kinds["room"].need(f"{where}.locations[{position}].room", location["room"])
        _cards(kinds["card"], f"{where}.badges", person["badges"])


def _define(names: Names, path: str, items: Iterable[dict[str, Any]]) -> None:
    for index, item in enumerate(items):
        names.define(f"{path}[{index}].name", item["name"])


def _cards(cards: Names, path: str, badges: list[dict[str, Any]]) -> None:
    for index, badge in enumerate(badges):
        # The same card may be written two ways (decimal or hex): compare card keys.
        cards.define(f"{path}[{index}].card", cardtext.parse(badge["card"]))
