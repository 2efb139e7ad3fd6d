"""A simulation scenario: the site, its people, and what happens when (a TOML file).

``load(path)`` reads and checks the file; every error names the bad key's path and what
was expected (``script[2].controller: unknown controller 'c9' (controllers: c1, c2)``).
The format, with every key, is in docs/simulator.md; sim/scenarios/ has examples.

The site is either a site document (``[site] file = "factory.json"``, the format of
``vratnik hub export``) or written inline (``[site]`` code/name/time zone, ``[[doors]]``,
``[[access]]`` and ``[[people]]``). Names used by the script are checked against the site
once it is known (:func:`sim.site.check_script`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from protocols import cardtext
from protocols.portable.errors import ProtocolError
from sim.errors import ScenarioError
from sim.tomlcheck import Table, fail

ACTIONS = ("visit", "badge", "tailgate", "forced", "held-open", "exit-button",
           "cut-network", "power-cycle", "jam-door")
READER_KINDS = ("osdp", "wiegand", "mixed")  # mixed: controllers take turns
DAY_S = 86_400.0
T = TypeVar("T")


@dataclass(frozen=True)
class DoorTiming:
    """How a door behaves on its controller (edge.door.DoorConfig's keys)."""

    unlock_ms: int = 3000
    held_open_ms: int = 5000


@dataclass(frozen=True)
class InlineDoor:
    """``[[doors]]``: a door on a controller, with an entry reader and maybe an exit one."""

    name: str
    controller: str
    exit_reader: bool = True
    timing: DoorTiming | None = None  # None: the scenario's [defaults]


@dataclass(frozen=True)
class AccessGroup:
    """``[[access]]``: a group of people allowed through ``doors`` (both ways) in ``hours``."""

    name: str
    doors: tuple[str, ...]
    hours: str = "00:00-24:00"


@dataclass(frozen=True)
class InlinePerson:
    """``[[people]]``: one person with one card (``access`` None: a card with no rights)."""

    name: str
    card: str
    access: str | None
    valid_from: str | None = None
    valid_to: str | None = None


@dataclass(frozen=True)
class InlineSite:
    code: str
    name: str
    time_zone: str
    doors: tuple[InlineDoor, ...]
    access: tuple[AccessGroup, ...]
    people: tuple[InlinePerson, ...]


@dataclass(frozen=True)
class Step:
    """One ``[[script]]`` entry: ``action`` at script second ``at``; unused fields are None."""

    index: int
    at: float
    action: str
    who: str | None = None
    follower: str | None = None
    card: str | None = None
    door: str | None = None
    direction: str = "entry"
    passes: bool = True
    controller: str | None = None
    duration: float = 10.0  # script seconds: stay, cut, power off, jam

    @property
    def where(self) -> str:
        return f"script[{self.index}]"


@dataclass(frozen=True)
class Traffic:
    """``[traffic]``: people badging in and out at random, continuously."""

    rate_per_minute: float = 0.0  # visits started per script minute; 0: none
    people: tuple[str, ...] = ()  # () = everyone with a card
    doors: tuple[str, ...] = ()  # () = every door
    stay_min: float = 30.0
    stay_max: float = 300.0
    stranger_share: float = 0.1  # share of swipes by an unknown card


@dataclass(frozen=True)
class ExternalHubSpec:
    """``[hub]``: the database and broker of an installed hub, and the site to simulate."""

    database: str
    broker: str
    site: str
    accounts: bool = False  # the broker wants the accounts of `vratnik hub broker-config`


@dataclass(frozen=True)
class Scenario:
    """A whole scenario file."""

    path: Path
    name: str
    speed: float  # script seconds per real second
    duration: float  # script seconds; 0: until stopped (Ctrl-C, SIGTERM)
    seed: int
    workdir: Path | None
    control: str | None
    http_port: int
    reader: str
    camera: bool
    faces: bool
    images: tuple[str, ...]
    defaults: DoorTiming
    site_file: Path | None
    site: InlineSite | None
    script: tuple[Step, ...]
    traffic: Traffic = field(default_factory=Traffic)
    hub: ExternalHubSpec | None = None  # a running hub to join instead of starting one


def load(path: Path) -> Scenario:
    """The scenario in ``path``; ScenarioError names the first problem."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ScenarioError(f"cannot read scenario {path}: {err}") from err
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{path} is not valid TOML: {err}") from err
    return parse(raw, path)


def parse(raw: dict[str, object], path: Path) -> Scenario:
    """A scenario from already-parsed TOML (``path`` resolves relative file names)."""
    top = Table(raw, "")
    sim = top.table("sim")
    name = sim.text("name", path.stem)
    speed = sim.number("speed", 0.01, 10_000, 1.0)
    duration = sim.number("duration", 0, 365 * DAY_S, 0.0)
    seed = sim.integer("seed", 0, 2**32 - 1, 1)
    workdir = sim.opt_text("workdir")
    control = sim.opt_text("control")
    http_port = sim.integer("http_port", 0, 65535, 0)
    reader = sim.text("reader", "osdp", choices=READER_KINDS)
    sim.done()
    camera_table = top.table("camera")
    camera = camera_table.flag("enabled", True)
    faces = camera_table.flag("faces", True)
    images = camera_table.texts("images", ("astronaut",))
    camera_table.done()
    defaults = _timing(top.table("defaults"), DoorTiming())
    hub = _external_hub(top.table("hub"))
    site_table = top.table("site")
    site_file: Path | None = None
    site: InlineSite | None = None
    if hub is not None:
        for key in ("site", "doors", "access", "people"):
            if key in raw:
                raise fail(key, "not allowed with [hub] database (the hub's site is used)")
    elif site_table.has("file"):
        site_file = (path.parent / site_table.text("file")).resolve()
        site_table.done()
        for key in ("doors", "access", "people"):
            if key in raw:
                raise fail(key, "not allowed with [site] file (the document defines the site)")
    else:
        site = _inline_site(top, site_table, path.stem)
    script = tuple(_step(t, i) for i, t in enumerate(top.tables("script")))
    traffic = _traffic(top.table("traffic"))
    top.done()
    return Scenario(path=path, name=name, speed=speed, duration=duration, seed=seed,
                    workdir=None if workdir is None else path.parent / workdir,
                    control=control, http_port=http_port, reader=reader, camera=camera,
                    faces=faces, images=images, defaults=defaults, site_file=site_file,
                    site=site, script=script, traffic=traffic, hub=hub)


def _external_hub(table: Table) -> ExternalHubSpec | None:
    if not table.data:
        return None
    spec = ExternalHubSpec(table.text("database"), table.text("broker"), table.text("site"),
                           table.flag("accounts", False))
    table.done()
    return spec


def _timing(table: Table, base: DoorTiming) -> DoorTiming:
    timing = DoorTiming(unlock_ms=table.integer("unlock_ms", 100, 3_600_000, base.unlock_ms),
                        held_open_ms=table.integer("held_open_ms", 1000, 86_400_000,
                                                   base.held_open_ms))
    table.done()
    return timing


def _inline_site(top: Table, site: Table, default_code: str) -> InlineSite:
    code = site.text("code", default_code)
    name = site.text("name", code)
    time_zone = site.text("time_zone", "Europe/Bratislava")
    site.done()
    doors: list[InlineDoor] = []
    for table in top.tables("doors"):
        timing = None
        if table.has("unlock_ms") or table.has("held_open_ms"):
            timing = DoorTiming(table.integer("unlock_ms", 100, 3_600_000, 3000),
                                table.integer("held_open_ms", 1000, 86_400_000, 5000))
        doors.append(InlineDoor(table.text("name"), table.text("controller"),
                                table.flag("exit_reader", True), timing))
        table.done()
    if not doors:
        raise fail("doors", "an inline site needs at least one [[doors]] entry")
    _unique(doors, "doors", lambda d: d.name)
    door_names = {d.name for d in doors}
    access: list[AccessGroup] = []
    for table in top.tables("access"):
        group = AccessGroup(table.text("name"), table.texts("doors"),
                            table.text("hours", "00:00-24:00"))
        for door in group.doors:
            if door not in door_names:
                raise fail(table.path("doors"), f"unknown door {door!r} "
                           f"(doors: {', '.join(sorted(door_names))})")
        _check_hours(table.path("hours"), group.hours)
        table.done()
        access.append(group)
    _unique(access, "access", lambda a: a.name)
    group_names = {a.name for a in access}
    people: list[InlinePerson] = []
    for table in top.tables("people"):
        person = InlinePerson(table.text("name"), table.text("card"), table.opt_text("access"),
                              table.opt_text("valid_from"), table.opt_text("valid_to"))
        check_card(table.path("card"), person.card)
        if person.access is not None and person.access not in group_names:
            raise fail(table.path("access"), f"unknown access group {person.access!r} "
                       f"(groups: {', '.join(sorted(group_names)) or 'none'})")
        table.done()
        people.append(person)
    _unique(people, "people", lambda p: p.name)
    _unique(people, "people", lambda p: p.card, key="card")
    return InlineSite(code, name, time_zone, tuple(doors), tuple(access), tuple(people))


def _step(table: Table, index: int) -> Step:
    action = table.text("do", choices=ACTIONS)
    at = table.number("at", 0, 365 * DAY_S)
    step = Step(index=index, at=at, action=action,
                who=table.opt_text("who"), follower=table.opt_text("follower"),
                card=table.opt_text("card"), door=table.opt_text("door"),
                direction=table.text("direction", "entry", choices=("entry", "exit")),
                passes=table.flag("pass", True), controller=table.opt_text("controller"),
                duration=table.number("duration", 0, 365 * DAY_S, 10.0))
    table.done()
    needs = {
        "visit": ("who", "door"), "badge": ("door",), "tailgate": ("who", "follower", "door"),
        "forced": ("door",), "held-open": ("door",), "exit-button": ("door",),
        "cut-network": ("controller",), "power-cycle": ("controller",), "jam-door": ("door",),
    }[action]
    for key in needs:
        if getattr(step, key) is None:
            raise fail(table.path(key), f"missing (required by do = {action!r})")
    if action == "badge" and (step.who is None) == (step.card is None):
        raise fail(table.path("who"), "a badge step names either who or card (not both)")
    if step.card is not None:
        check_card(table.path("card"), step.card)
    return step


def _traffic(table: Table) -> Traffic:
    traffic = Traffic(
        rate_per_minute=table.number("rate_per_minute", 0, 100_000, 0.0),
        people=table.texts("people", ()), doors=table.texts("doors", ()),
        stay_min=table.number("stay_min", 0, DAY_S, 30.0),
        stay_max=table.number("stay_max", 0, DAY_S, 300.0),
        stranger_share=table.number("stranger_share", 0, 1, 0.1))
    if traffic.stay_max < traffic.stay_min:
        raise fail(table.path("stay_max"), "must not be below stay_min")
    table.done()
    return traffic


def check_card(where: str, text: str) -> int:
    """The card key of ``text`` (``H10301:12:3456``); ScenarioError naming ``where``."""
    try:
        return cardtext.parse(text)
    except ProtocolError as err:
        raise fail(where, str(err)) from None


def _check_hours(where: str, text: str) -> None:
    parts = text.split("-")
    ok = len(parts) == 2 and all(len(p) == 5 and p[2] == ":" and p.replace(":", "").isdigit()
                                 for p in parts)
    if not ok:
        raise fail(where, f"write hours as '08:00-17:00', got {text!r}")


def _unique(items: Sequence[T], section: str, name_of: Callable[[T], str],
            key: str = "name") -> None:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        value = name_of(item)
        if value in seen:
            raise fail(f"{section}[{i}].{key}", f"{value!r} is already used by "
                       f"{section}[{seen[value]}]")
        seen[value] = i
