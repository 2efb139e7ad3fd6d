"""A bad document is refused with every problem named by its path, and nothing is kept."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.people.models import Person
from hub.sites.models import Site
from hub.transfer.errors import TransferError
from hub.transfer.files import parse
from hub.transfer.importer import import_site


def problems_of(session: Session, document: Any) -> list[str]:
    with pytest.raises(TransferError) as caught:
        import_site(session, document)
    return caught.value.problems


def test_shape_and_value_problems_name_their_paths(session: Session, factory: Any) -> None:
    factory["persons"][3]["badges"][0]["card"] = "H10301:300:1"
    factory["persons"][5]["surname"] = ""
    factory["persons"][2]["badges"].append({"card": "NOPE:1"})
    factory["schedules"][1]["days"]["mon"] = ["9-18"]
    factory["controllers"][0]["readers"][0]["reader_no"] = 70000
    factory["doors"][0]["colour"] = "red"
    problems = problems_of(session, factory)
    joined = "\n".join(problems)
    assert "persons[3].badges[0].card: " in joined and "facility" in joined
    assert any(p.startswith("persons[5].surname: ") for p in problems)
    assert any(p.startswith("persons[2].badges[1].card: unknown card format") for p in problems)
    assert any(p.startswith("schedules[1].days.mon[0]: ") for p in problems) or any(
        p.startswith("schedules[1].days.mon") for p in problems)
    assert any(p.startswith("controllers[0].readers[0].reader_no: ") for p in problems)
    assert "doors[0].colour: Unknown field." in problems
    assert session.scalar(select(func.count()).select_from(Site)) == 0


def test_dangling_and_duplicate_names(session: Session, factory: Any) -> None:
    factory["persons"][0]["group"] = ["Strojáreň Vrátnik", "Workshop 3"]
    factory["persons"][1]["main_policy"] = "Nowhere"
    factory["policies"][0]["rules"][0]["schedule"] = "Sometimes"
    factory["rooms"].append({"name": "Courtyard", "notes": ""})
    factory["pool"].append({"card": "H10301:12:3001"})  # issued to a person already
    factory["titles"][0]["classes"].append("robots")
    problems = problems_of(session, factory)
    assert ("persons[0].group: no group named Strojáreň Vrátnik/Workshop 3 in the document"
            in problems)
    assert "persons[1].main_policy: no policy named 'Nowhere' in the document" in problems
    assert ("policies[0].rules[0].schedule: no schedule named 'Sometimes' in the document"
            in problems)
    assert "rooms[5].name: a second room named 'Courtyard'" in problems
    assert "pool[3].card: a second card named H10301:12:3001" in problems
    assert "titles[0].classes[2]: no class named 'robots' in the document" in problems


def test_service_refusal_is_reported_at_its_path_and_rolls_back(
    session: Session, factory: Any
) -> None:
    # A visitor may not have an external code: only the person service knows that rule.
    visitor = next(i for i, p in enumerate(factory["persons"]) if p["class"] == "visitor")
    factory["persons"][visitor]["external_code"] = "V-1"
    problems = problems_of(session, factory)
    assert problems == [
        f"persons[{visitor}].external_code: only classes whose badge type is employee have an "
        "external code; class 'visitor' has badge type visitor"
    ]
    assert session.scalar(select(func.count()).select_from(Person)) == 0
    assert session.scalar(select(func.count()).select_from(Site)) == 0


def test_format_version_and_existing_site(session: Session, factory: Any) -> None:
    factory["format"] = 2
    assert problems_of(session, factory) == [
        "format: this hub reads site documents of format 1, got 2"]
    factory["format"] = 1
    import_site(session, json.loads(json.dumps(factory)))
    assert problems_of(session, factory) == [
        "site.code: a site with code 'factory' already exists"]
    assert session.scalar(select(func.count()).select_from(Site)) == 1
    assert problems_of(session, ["not", "a", "document"]) == [
        "(document): expected a JSON object, got list"]


def test_json_text_problems_name_line_and_column() -> None:
    with pytest.raises(TransferError) as caught:
        parse('{\n  "format": 1,\n  "site": }', "site.json")
    assert caught.value.problems == ["site.json: line 3, column 11: Expecting value"]
    with pytest.raises(TransferError) as caught:
        parse('{"format": 1, "format": 1}', "site.json")
    assert "appears twice" in caught.value.problems[0]
