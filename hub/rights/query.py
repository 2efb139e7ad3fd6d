"""Rights as SQL: who a user sees becomes a WHERE clause on every query of his requests.

:func:`restrict_session` hooks the request's session (SQLAlchemy's ``do_orm_execute``
event with ``with_loader_criteria``, the documented recipe for row-level filtering), so
*every* ORM query of the request, in the REST API, the web UI and the services they call,
sees only the persons and the sites the user may see. A person outside the user's reach
answers like one that does not exist (404), in lists, look-ups by id and checks alike.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, event, false, or_, true
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from hub.people.models import Person
from hub.rights.decide import Reach
from hub.sites.models import Site


def person_clause(reach: Reach) -> ColumnElement[bool]:
    """SQL for "the person is in ``reach``" (group and id columns are indexed)."""
    if reach.everyone and not reach.excluded:
        return true()
    parts: list[ColumnElement[bool]] = []
    if reach.everyone:
        parts.append(true())
    if reach.groups:
        parts.append(Person.group_id.in_(sorted(reach.groups)))
    if reach.persons:
        parts.append(Person.id.in_(sorted(reach.persons)))
    clause: ColumnElement[bool] = or_(*parts) if parts else false()
    if reach.excluded:
        clause = clause & Person.id.not_in(sorted(reach.excluded))
    return clause


def restrict_session(session: Session, persons: Reach, site_id: int | None) -> None:
    """Make every ORM query of ``session`` see only persons in ``persons`` and, when
    ``site_id`` is set, only that site."""
    options = []
    if not (persons.everyone and not persons.excluded):
        clause = person_clause(persons)
        options.append(with_loader_criteria(Person, clause, include_aliases=True))
    if site_id is not None:
        options.append(with_loader_criteria(Site, Site.id == site_id, include_aliases=True))
    if not options:
        return

    @event.listens_for(session, "do_orm_execute")
    def _restrict(state: ORMExecuteState) -> None:
        if state.is_select and not state.is_column_load:
            state.statement = state.statement.options(*options)
