"""An inline scenario site as a site document (the format ``vratnik hub import`` reads).

The simulator always builds its hub site by importing a document, so an inline site
goes through the same validation and services as a real one. The mapping:

* each ``[[access]]`` group is a policy (its doors, both directions, every day in its
  hours) and a group under the company group; people without ``access`` go into a
  group with no policy;
* a controller's doors get readers in the order the doors are listed: door *k* has
  entry reader ``2k - 1`` and exit reader ``2k`` (the hub numbers a door on a controller
  by its lowest reader, so door *k* is door ``2k - 1`` there too);
* validity may be relative to the start of the run: ``-2d``, ``+30d``, ``-3h`` (days,
  hours, minutes), so a scenario can hold an expired or a not-yet-valid badge forever.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sim.scenario import InlineSite
from sim.tomlcheck import fail

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NO_ACCESS_GROUP = "No access"
_RELATIVE = re.compile(r"^([+-])(\d+)([dhm])$")
_UNITS = {"d": 86_400, "h": 3_600, "m": 60}


def moment(where: str, text: str | None, now: dt.datetime) -> str | None:
    """An ISO 8601 time with offset from ``text`` (ISO, or relative such as ``-2d``)."""
    if text is None:
        return None
    match = _RELATIVE.match(text)
    if match:
        sign = 1 if match.group(1) == "+" else -1
        delta = dt.timedelta(seconds=sign * int(match.group(2)) * _UNITS[match.group(3)])
        return (now + delta).astimezone(dt.UTC).isoformat(timespec="seconds")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise fail(where, f"write an ISO time with offset (2026-03-01T08:00+01:00) or a "
                   f"relative one (-2d, +30d, -3h), got {text!r}")
    return parsed.isoformat(timespec="seconds")


def reader_numbers(site: InlineSite) -> dict[str, tuple[str, int, int | None]]:
    """door name -> (controller, entry reader, exit reader or None)."""
    count: dict[str, int] = {}
    numbers: dict[str, tuple[str, int, int | None]] = {}
    for door in site.doors:
        k = count.get(door.controller, 0) + 1
        count[door.controller] = k
        numbers[door.name] = (door.controller, 2 * k - 1, 2 * k if door.exit_reader else None)
    return numbers


def document(site: InlineSite, now: dt.datetime) -> dict[str, Any]:
    """The site document (format 1) of an inline site."""
    numbers = reader_numbers(site)
    controllers: dict[str, list[dict[str, Any]]] = {}
    for door in site.doors:
        ctl, entry, exit_ = numbers[door.name]
        readers = controllers.setdefault(ctl, [])
        readers.append({"reader_no": entry, "door": door.name, "direction": "entry"})
        if exit_ is not None:
            readers.append({"reader_no": exit_, "door": door.name, "direction": "exit"})
    hours = sorted({group.hours for group in site.access})
    schedules = [{"name": f"Daily {h}", "kind": "weekly", "days": {d: [h] for d in WEEKDAYS}}
                 for h in hours]
    policies = [{"name": group.name, "rules": [
        {"door": door, "direction": direction, "schedule": f"Daily {group.hours}"}
        for door in group.doors for direction in ("entry", "exit")]}
        for group in site.access]
    company = site.name
    subgroups = [{"name": g.name, "policy": g.name} for g in site.access]
    subgroups.append({"name": NO_ACCESS_GROUP})
    persons = []
    for index, person in enumerate(site.people):
        given, _, surname = person.name.rpartition(" ")
        badge = {"card": person.card,
                 "valid_from": moment(f"people[{index}].valid_from", person.valid_from, now),
                 "valid_to": moment(f"people[{index}].valid_to", person.valid_to, now)}
        persons.append({
            "surname": surname, "name": given or surname, "class": "employee",
            "personal_number": f"S{index + 1}",
            "group": [company, person.access or NO_ACCESS_GROUP], "badges": [badge]})
    return {
        "format": 1,
        "site": {"code": site.code, "name": site.name, "time_zone": site.time_zone},
        "schedules": schedules,
        "doors": [{"name": door.name} for door in site.doors],
        "controllers": [{"code": code, "name": code,
                         "kind": "concentrator" if len(readers) > 2 else "controller",
                         "readers": readers} for code, readers in controllers.items()],
        "policies": policies,
        "groups": [{"name": company, "company": True, "groups": subgroups}],
        "persons": persons,
    }
