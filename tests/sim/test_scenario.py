"""Scenario files: every mistake is reported with the bad key's path and what was expected;
inline sites become site documents the hub accepts; the site model numbers doors as the
hub does."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest

from hub.transfer.document import load_document
from hub.transfer.references import check_references
from sim.errors import ScenarioError
from sim.runner import check_scenario
from sim.scenario import load, parse
from sim.site import site_model
from sim.sitedoc import document, moment

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "sim" / "scenarios" / "tiny.toml"
BASE = """
[site]
code = "t"
[[doors]]
name = "Front"
controller = "c1"
[[doors]]
name = "Back"
controller = "c1"
exit_reader = false
[[access]]
name = "Staff"
doors = ["Front"]
[[people]]
name = "Alice Novak"
card = "H10301:12:1001"
access = "Staff"
"""


def _error(text: str) -> str:
    with pytest.raises(ScenarioError) as caught:
        scenario = parse(tomllib.loads(text), Path("/x/s.toml"))
        check_scenario(scenario)
    return str(caught.value)


@pytest.mark.parametrize(("extra", "message"), [
    ("[sim]\nspeeed = 2\n", "sim.speeed: unknown key (known keys here: "),
    ("[sim]\nspeed = 0\n", "sim.speed: expected a number 0.01..10000, got 0 (int)"),
    ("[sim]\nspeed = \"fast\"\n", "sim.speed: expected a number 0.01..10000, got 'fast' (str)"),
    ("[sim]\nreader = \"usb\"\n", "sim.reader: expected one of osdp, wiegand, mixed, got 'usb'"),
    ("[camera]\nfaces = 1\n", "camera.faces: expected true or false, got 1 (int)"),
    ("[defaults]\nunlock_ms = 5\n", "defaults.unlock_ms: expected an integer 100..3600000"),
    ("[[script]]\nat = 1\ndo = \"dance\"\n",
     "script[0].do: expected one of visit, badge, tailgate, forced, held-open"),
    ("[[script]]\ndo = \"forced\"\ndoor = \"Front\"\n", "script[0].at: missing (this key is "
     "required)"),
    ("[[script]]\nat = 1\ndo = \"visit\"\ndoor = \"Front\"\n",
     "script[0].who: missing (required by do = 'visit')"),
    ("[[script]]\nat = 1\ndo = \"badge\"\ndoor = \"Front\"\n",
     "script[0].who: a badge step names either who or card (not both)"),
    ("[[script]]\nat = 1\ndo = \"badge\"\ndoor = \"Front\"\ncard = \"H10301:999:1\"\n",
     "script[0].card: "),
    ("[[script]]\nat = 1\ndo = \"forced\"\ndoor = \"Frnt\"\n",
     "script[0].door: unknown door 'Frnt' (doors: Back, Front)"),
    ("[[script]]\nat = 1\ndo = \"visit\"\nwho = \"Bob\"\ndoor = \"Front\"\n",
     "script[0].who: unknown person 'Bob' (persons: Alice Novak)"),
    ("[[script]]\nat = 1\ndo = \"cut-network\"\ncontroller = \"c9\"\n",
     "script[0].controller: unknown controller 'c9' (controllers: c1)"),
    ("[[script]]\nat = 1\ndo = \"badge\"\nwho = \"Alice Novak\"\ndoor = \"Back\"\n"
     "direction = \"exit\"\n", "script[0].door: door 'Back' has no exit reader"),
    ("[traffic]\nrate_per_minute = 5\nstay_min = 10\nstay_max = 5\n",
     "traffic.stay_max: must not be below stay_min"),
    ("[traffic]\npeople = [\"Nobody\"]\n", "traffic.people[0]: unknown person 'Nobody'"),
    ("[bogus]\n", "bogus: unknown key (known keys here: "),
])
def test_mistakes_name_the_key_and_what_was_expected(extra: str, message: str) -> None:
    assert message in _error(BASE + extra)


@pytest.mark.parametrize(("text", "message"), [
    ('[site]\ncode = "t"\n', "doors: an inline site needs at least one [[doors]] entry"),
    (BASE.replace('doors = ["Front"]', 'doors = ["Side"]'),
     "access[0].doors: unknown door 'Side' (doors: Back, Front)"),
    (BASE.replace('access = "Staff"', 'access = "Guests"'),
     "people[0].access: unknown access group 'Guests' (groups: Staff)"),
    (BASE + '[[people]]\nname = "Alice Novak"\ncard = "H10301:12:1002"\n',
     "people[1].name: 'Alice Novak' is already used by people[0]"),
    (BASE + '[[people]]\nname = "Bob"\ncard = "H10301:12:1001"\n',
     "people[1].card: 'H10301:12:1001' is already used by people[0]"),
    (BASE.replace('doors = ["Front"]', 'doors = ["Front"]\nhours = "8-17"'),
     "access[0].hours: write hours as '08:00-17:00', got '8-17'"),
    (BASE + '[[people]]\nname = "Bob"\ncard = "H10301:12:7"\nvalid_to = "soon"\n',
     "people[1].valid_to: write an ISO time with offset"),
    ('[site]\nfile = "x.json"\n[[doors]]\nname = "A"\ncontroller = "c"\n',
     "doors: not allowed with [site] file"),
])
def test_site_mistakes(text: str, message: str) -> None:
    assert message in _error(text)


def test_a_missing_site_document_is_named(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('[site]\nfile = "nowhere.json"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"site\.file: cannot read site document"):
        check_scenario(load(path))


def test_bad_toml_is_refused_with_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("[sim\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"s\.toml is not valid TOML"):
        load(path)


def test_inline_site_is_a_document_the_hub_accepts() -> None:
    scenario = load(TINY)
    assert scenario.site is not None
    now = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
    doc = document(scenario.site, now)
    loaded = load_document(doc)
    assert check_references(loaded) == []
    readers = {c["code"]: [(r["reader_no"], r["door"], r["direction"]) for r in c["readers"]]
               for c in doc["controllers"]}
    assert readers == {"c1": [(1, "Front", "entry"), (2, "Front", "exit"), (3, "Lab", "entry"),
                              (4, "Lab", "exit")],
                       "c2": [(1, "Store", "entry"), (2, "Store", "exit")]}
    old = next(p for p in doc["persons"] if p["surname"] == "Card")
    assert old["badges"][0]["valid_to"] == "2026-03-08T12:00:00+00:00"  # "-2d"
    model = site_model(doc, lambda _name: scenario.defaults)
    lab = model.doors["Lab"]
    assert (lab.controller, lab.number, lab.entry, lab.exit) == ("c1", 3, 3, 4)
    assert model.person("who", "H10301:12:1002").name == "Bob Kral"


def test_factory_sample_model_matches_the_hub_numbering() -> None:
    scenario = load(ROOT / "sim" / "scenarios" / "demo.toml")
    _doc, site = check_scenario(scenario)
    assert set(site.controllers) == {"admin", "gate", "ws1", "ws2"}
    planning = site.doors["Planning office door"]
    assert (planning.controller, planning.number, planning.pin_readers) == ("ws1", 3,
                                                                            frozenset({3}))
    assert site.doors["Main gate"].timing.held_open_ms == 15000  # the scenario's [defaults]
    assert "Ján Novák" in site.people


def test_relative_and_absolute_moments() -> None:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert moment("w", "+3h", now) == "2026-01-01T03:00:00+00:00"
    assert moment("w", "-30m", now) == "2025-12-31T23:30:00+00:00"
    assert moment("w", "2026-05-01T08:00:00+02:00", now) == "2026-05-01T08:00:00+02:00"
    assert moment("w", None, now) is None
