"""The person list with 100,000 persons: the same small number of queries as with four,
pages that follow the index, and search. Counted, not timed (speed is for benchmarks)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event, insert, text
from sqlalchemy.orm import Session, sessionmaker

from hub.people.models import Person
from tests.hub.auth_fixtures import Browser, make_user
from tests.hub.ui.site_data import build_site

MANY = 100_000
PASSWORD = "admin password 1"


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    """Collect every SQL statement sent while inside."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def add_many(sessions: sessionmaker[Session], ids: dict[str, Any]) -> None:
    rows = [{"site_id": ids["site"], "surname": f"S{n:06d}", "name": f"N{n % 97}",
             "class_id": ids["employee"], "group_id": ids["store"],
             "personal_number": f"P{n}", "free_field": "", "notes": ""} for n in range(MANY)]
    with sessions() as session:
        session.execute(insert(Person), rows)
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("ANALYZE persons"))
        session.commit()


def test_a_page_costs_the_same_queries_with_100000_persons(
        browser: Browser, web_sessions: sessionmaker[Session], engine: Engine) -> None:
    with web_sessions() as session:
        ids = build_site(session)
        session.commit()
    make_user(web_sessions, "admin", PASSWORD, admin=True)
    browser.login("admin", PASSWORD)
    url = "/sites/factory/persons"
    with counted(engine) as few:
        small = browser.get(url).get_data(as_text=True)
    add_many(web_sessions, ids)
    with counted(engine) as many:
        first = browser.get(url).get_data(as_text=True)
    assert len(many) == len(few)  # no query per row or per person
    assert "100004 persons" in first
    listed = re.findall(r'/persons/\d+">([^<]+)</a>', first)
    assert len(listed) == 50 and listed[:3] == ["Fitter", "Manager", "S000000"]
    assert len(re.findall(r'/persons/\d+">([^<]+)</a>', small)) == 4
    # the next pages continue from the last row shown (keyset), at the same cost
    following = re.search(r'rel="next" href="([^"]+)"', first)
    assert following is not None
    with counted(engine) as later:
        second = browser.get(following.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert len(later) == len(few)
    assert re.findall(r'/persons/\d+">([^<]+)</a>', second)[0] == "S000048"
    back = re.search(r'rel="prev" href="([^"]+)"', second)
    assert back is not None
    again = browser.get(back.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert re.findall(r'/persons/\d+">([^<]+)</a>', again) == listed
    # search by the start of a surname and by a personal number
    found = browser.get(f"{url}?q=s09999").get_data(as_text=True)
    assert re.findall(r'/persons/\d+">([^<]+)</a>', found)[:2] == ["S099990", "S099991"]
    assert "10 persons" in found
    exact = browser.get(f"{url}?q=P77777").get_data(as_text=True)
    assert re.findall(r'/persons/\d+">([^<]+)</a>', exact) == ["S077777"]
    assert_list_query_follows_the_index(web_sessions, ids["site"])


def assert_list_query_follows_the_index(sessions: sessionmaker[Session], site_id: int) -> None:
    """The keyset query reads the index in order: no scan of the table, no sort."""
    with sessions() as session:
        dialect = session.get_bind().dialect.name
        query = ("SELECT id FROM persons WHERE site_id = :site AND (surname, name, id) > "
                 "('S050000', '', 0) ORDER BY surname, name, id LIMIT 51")
        if dialect == "sqlite":
            plan = " | ".join(str(row[-1]) for row in session.execute(
                text(f"EXPLAIN QUERY PLAN {query}"), {"site": site_id}))
            assert "ix_persons_site_surname_name_id" in plan, plan
            assert "TEMP B-TREE" not in plan, plan  # no sorting of the table
        else:
            plan = " | ".join(str(row[0]) for row in session.execute(
                text(f"EXPLAIN {query}"), {"site": site_id}))
            assert "ix_persons_site_surname_name_id" in plan, plan
            assert "Sort" not in plan, plan


