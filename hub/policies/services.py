"""Services of access policies (access tables), their rows, and persons' additional policies.

A group's own policy is set with hub.people.groups.update_group (``policy_id``), a person's
main policy with hub.people.services.update_person (``main_policy_id``; None = the
group's). Additional policies of a person may have a validity: a start only is allowed,
an end without a start is rejected.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hub import validation as check
from hub.access.models import AccessPoint, AccessPointGroup
from hub.db import atomic
from hub.errors import Conflict, Invalid
from hub.people.models import Group, Person
from hub.policies.models import AccessPolicy, AccessRule, PersonPolicy
from hub.schedules.models import HolidayList, Schedule, ScheduleKind
from hub.sites.models import Site

RULE_FIELDS = {
    "access_point_id",
    "access_point_group_id",
    "schedule_id",
    "start_date",
    "holiday_list_id",
    "holiday_schedule_id",
    "position",
}


def get_policy(session: Session, policy_id: object) -> AccessPolicy:
    """The policy, or NotFound."""
    return check.get(session, AccessPolicy, policy_id, "policy")


def list_policies(session: Session, site_id: int) -> list[AccessPolicy]:
    """The site's policies, by name."""
    query = select(AccessPolicy).where(AccessPolicy.site_id == site_id)
    return list(session.scalars(query.order_by(AccessPolicy.name)))


def create_policy(session: Session, site_id: int, *, name: str, notes: str = "") -> AccessPolicy:
    """A new, empty access table."""
    check.get(session, Site, site_id, "site")
    policy_name = check.name("name", name)
    _unique_name(session, site_id, policy_name, None)
    policy = AccessPolicy(site_id=site_id, name=policy_name, notes=check.text("notes", notes))
    session.add(policy)
    session.flush()
    return policy


@atomic
def update_policy(
    session: Session, policy_id: object, changes: Mapping[str, object]
) -> AccessPolicy:
    """Rename a policy or change its notes."""
    policy = get_policy(session, policy_id)
    check.unknown_fields(changes, {"name", "notes"}, "policy")
    if "name" in changes:
        policy.name = check.name("name", changes["name"])
        _unique_name(session, policy.site_id, policy.name, policy.id)
    if "notes" in changes:
        policy.notes = check.text("notes", changes["notes"])
    session.flush()
    return policy


def delete_policy(session: Session, policy_id: object) -> None:
    """Delete a policy no group or person uses."""
    policy = get_policy(session, policy_id)
    users = [
        session.scalar(select(Group.name).where(Group.policy_id == policy.id).limit(1)),
        session.scalar(select(Person.id).where(Person.main_policy_id == policy.id).limit(1)),
        session.scalar(select(PersonPolicy.id).where(PersonPolicy.policy_id == policy.id).limit(1)),
    ]
    if any(user is not None for user in users):
        raise Conflict(f"policy {policy.name!r} is used by groups or persons")
    session.delete(policy)
    session.flush()


def add_rule(
    session: Session,
    policy_id: object,
    *,
    schedule_id: int,
    access_point_id: int | None = None,
    access_point_group_id: int | None = None,
    start_date: object = None,
    holiday_list_id: int | None = None,
    holiday_schedule_id: int | None = None,
    position: int | None = None,
) -> AccessRule:
    """A row: an access point or group of them, a schedule from a start date, and optionally
    a holiday exception (on the list's dates the one-day holiday schedule applies instead)."""
    policy = get_policy(session, policy_id)
    rule = AccessRule(policy_id=policy.id)
    fields = {
        "schedule_id": schedule_id,
        "access_point_id": access_point_id,
        "access_point_group_id": access_point_group_id,
        "start_date": start_date,
        "holiday_list_id": holiday_list_id,
        "holiday_schedule_id": holiday_schedule_id,
        "position": len(policy.rules) if position is None else position,
    }
    _apply_rule(session, policy, rule, fields)
    policy.rules.append(rule)
    session.flush()
    return rule


@atomic
def update_rule(session: Session, rule_id: object, changes: Mapping[str, object]) -> AccessRule:
    """Change fields of a row (the same checks as :func:`add_rule`)."""
    rule = check.get(session, AccessRule, rule_id, "access rule")
    check.unknown_fields(changes, RULE_FIELDS, "access rule")
    current: dict[str, object] = {
        "schedule_id": rule.schedule_id,
        "access_point_id": rule.access_point_id,
        "access_point_group_id": rule.access_point_group_id,
        "start_date": rule.start_date,
        "holiday_list_id": rule.holiday_list_id,
        "holiday_schedule_id": rule.holiday_schedule_id,
        "position": rule.position,
    }
    current.update(changes)
    _apply_rule(session, rule.policy, rule, current)
    session.flush()
    return rule


def remove_rule(session: Session, rule_id: object) -> None:
    """Delete a row."""
    rule = check.get(session, AccessRule, rule_id, "access rule")
    rule.policy.rules.remove(rule)  # delete-orphan: the row goes at flush
    session.flush()


def _apply_rule(
    session: Session, policy: AccessPolicy, rule: AccessRule, fields: Mapping[str, object]
) -> None:
    site_id = policy.site_id
    point, group = fields["access_point_id"], fields["access_point_group_id"]
    if (point is None) == (group is None):
        raise Invalid("access_point_id", "give exactly one access point or access point group")
    rule.access_point_id = (
        None
        if point is None
        else check.in_site(session, AccessPoint, point, "access point", site_id).id
    )
    rule.access_point_group_id = (
        None
        if group is None
        else check.in_site(session, AccessPointGroup, group, "access point group", site_id).id
    )
    schedule = check.in_site(session, Schedule, fields["schedule_id"], "schedule", site_id)
    if schedule.kind is ScheduleKind.HOLIDAY:
        raise Invalid(
            "schedule_id",
            f"{schedule.name!r} is a holiday schedule: use it as the row's holiday exception",
        )
    rule.schedule_id = schedule.id
    rule.start_date = check.optional_date("start_date", fields["start_date"])
    if schedule.kind is ScheduleKind.CYCLIC and rule.start_date is None:
        raise Invalid(
            "start_date", f"cyclic schedule {schedule.name!r} needs a start date (its day 1)"
        )
    holidays, holiday_schedule = fields["holiday_list_id"], fields["holiday_schedule_id"]
    rule.holiday_list_id = (
        None
        if holidays is None
        else check.in_site(session, HolidayList, holidays, "holiday list", site_id).id
    )
    if holiday_schedule is None:
        rule.holiday_schedule_id = None
    else:
        if rule.holiday_list_id is None:
            raise Invalid("holiday_list_id", "a holiday schedule needs the holiday list it is for")
        on_holidays = check.in_site(session, Schedule, holiday_schedule, "schedule", site_id)
        if on_holidays.kind is not ScheduleKind.HOLIDAY:
            raise Invalid(
                "holiday_schedule_id",
                f"{on_holidays.name!r} is a {on_holidays.kind.value} schedule; holiday "
                "exceptions use one-day holiday schedules",
            )
        rule.holiday_schedule_id = on_holidays.id
    rule.position = check.integer("position", fields["position"], 0)


def add_person_policy(
    session: Session,
    person_id: object,
    policy_id: object,
    *,
    valid_from: object = None,
    valid_to: object = None,
) -> PersonPolicy:
    """An additional policy of a person, valid on [valid_from, valid_to] (inclusive dates)."""
    person = check.get(session, Person, person_id, "person")
    policy = check.in_site(session, AccessPolicy, policy_id, "policy", person.site_id)
    grant = PersonPolicy(person_id=person.id, policy_id=policy.id)
    grant.valid_from, grant.valid_to = _validity(valid_from, valid_to)
    session.add(grant)
    session.flush()
    return grant


def set_person_policy_validity(
    session: Session, grant_id: object, valid_from: object, valid_to: object
) -> PersonPolicy:
    """Change the validity of an additional policy."""
    grant = check.get(session, PersonPolicy, grant_id, "additional policy")
    grant.valid_from, grant.valid_to = _validity(valid_from, valid_to)
    session.flush()
    return grant


def remove_person_policy(session: Session, grant_id: object) -> None:
    """Take an additional policy away from a person."""
    grant = check.get(session, PersonPolicy, grant_id, "additional policy")
    session.delete(grant)
    session.flush()


def person_policies(session: Session, person_id: object) -> list[PersonPolicy]:
    """A person's additional policies."""
    person = check.get(session, Person, person_id, "person")
    query = select(PersonPolicy).where(PersonPolicy.person_id == person.id)
    return list(session.scalars(query.order_by(PersonPolicy.id)))


def holders_of(session: Session, policy_id: object) -> tuple[list[Group], list[Person]]:
    """Groups with this policy as their own, and persons with it as main or additional."""
    policy = get_policy(session, policy_id)
    groups = session.scalars(select(Group).where(Group.policy_id == policy.id).order_by(Group.id))
    grant_holders = select(PersonPolicy.person_id).where(PersonPolicy.policy_id == policy.id)
    persons = session.scalars(
        select(Person)
        .where(or_(Person.main_policy_id == policy.id, Person.id.in_(grant_holders)))
        .order_by(Person.id)
    )
    return list(groups), list(persons)


def _validity(valid_from: object, valid_to: object) -> tuple[date | None, date | None]:
    start = check.optional_date("valid_from", valid_from)
    end = check.optional_date("valid_to", valid_to)
    if end is not None and start is None:
        raise Invalid("valid_to", "an end date needs a start date (a start alone is allowed)")
    if start is not None and end is not None and end < start:
        raise Invalid("valid_to", "the validity ends before it starts")
    return start, end


def _unique_name(session: Session, site_id: int, name: str, own_id: int | None) -> None:
    query = select(AccessPolicy.id).where(
        AccessPolicy.site_id == site_id, AccessPolicy.name == name
    )
    for other in session.scalars(query):
        if other != own_id:
            raise Conflict(f"a policy named {name!r} already exists", field="name")
