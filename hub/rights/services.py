"""Changing rights: a user's scopes, modules and privacy rights, custom rights, the
company settings. Every change of a user's rights appends a full snapshot to the rights
history (SPEC.md section 8), with what the change took away.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from hub import validation as check
from hub.auth.models import User
from hub.auth.users import get_user
from hub.dbtypes import utcnow
from hub.errors import Conflict, Invalid
from hub.people.models import Group, Person
from hub.rights.decide import describe, revoked
from hub.rights.load import load_grants, rights_row, settings_row
from hub.rights.models import (
    CustomKind,
    CustomRight,
    CustomRightGroup,
    CustomRightPerson,
    EditScope,
    Module,
    RightsChange,
    RightsSettings,
    UserModule,
    UserRights,
    ViewScope,
)


@dataclass(frozen=True)
class RightsForm:
    """Everything the administrator sets about one user's rights at once."""

    view: ViewScope | str = ViewScope.SELF
    edit: EditScope | str = EditScope.NONE
    custom_right_id: int | None = None
    modules: Iterable[Module | str] = ()
    policies_only: bool = False
    additional_policies_only: bool = False
    main_data_only: bool = False


def _enum(field: str, kind: type[ViewScope] | type[EditScope] | type[Module] | type[CustomKind],
          value: object) -> str:
    try:
        return kind(str(value)).value
    except ValueError as err:
        allowed = ", ".join(m.value for m in kind)
        raise Invalid(field, f"{value!r} is not one of {allowed}") from err


def set_rights(session: Session, user_id: object, form: RightsForm, *, actor: str) -> User:
    """Replace a user's rights (never the administrator's: he has them all)."""
    user = get_user(session, user_id)
    if user.is_admin:
        raise Invalid("rights", "the administrator has every right; nothing to set")
    view = ViewScope(_enum("view", ViewScope, form.view))
    edit = EditScope(_enum("edit", EditScope, form.edit))
    modules = {Module(_enum("modules", Module, m)) for m in form.modules}
    if edit is EditScope.CUSTOM:
        if form.custom_right_id is None:
            raise Invalid("custom_right_id", "choose the custom right this user holds")
        check.get(session, CustomRight, form.custom_right_id, "custom right")
    elif form.custom_right_id is not None:
        raise Invalid("custom_right_id", "a custom right needs the edit scope 'custom'")
    if form.policies_only and form.additional_policies_only:
        raise Invalid("policies_only", "choose either 'only policies' or 'only additional "
                                       "policies'")
    if form.main_data_only and not (form.policies_only or form.additional_policies_only):
        raise Invalid("main_data_only", "'only main data' goes with 'only policies' or 'only "
                                        "additional policies' (manual 003)")
    before = describe(load_grants(session, user))
    row = rights_row(session, user.id)
    row.view_scope, row.edit_scope = view, edit
    row.custom_right_id = form.custom_right_id if edit is EditScope.CUSTOM else None
    row.policies_only = check.flag("policies_only", form.policies_only)
    row.additional_policies_only = check.flag("additional_policies_only",
                                              form.additional_policies_only)
    row.main_data_only = check.flag("main_data_only", form.main_data_only)
    session.execute(delete(UserModule).where(UserModule.user_id == user.id))
    session.add_all(UserModule(user_id=user.id, module=m) for m in sorted(modules))
    session.flush()
    record_change(session, user, before, actor=actor)
    return user


def record_change(session: Session, user: User, before: dict[str, object], *,
                  actor: str) -> RightsChange:
    """Append the user's rights as they are now to the rights history."""
    after = describe(load_grants(session, user))
    change = RightsChange(user_id=user.id, username=user.username, at=utcnow(),
                          actor=actor[:64], snapshot=json.dumps(after, sort_keys=True),
                          revoked=", ".join(revoked(before, after)))
    session.add(change)
    session.flush()
    return change


def rights_history(session: Session, user_id: int | None = None,
                   limit: int = 200) -> list[RightsChange]:
    """Changes of rights, newest first (of one user, or of all)."""
    query = select(RightsChange)
    if user_id is not None:
        query = query.where(RightsChange.user_id == user_id)
    return list(session.scalars(query.order_by(RightsChange.id.desc()).limit(limit)))


def modules_of(session: Session, user_id: int) -> set[Module]:
    """The modules granted to a user (not counting what HR implies)."""
    return set(session.scalars(select(UserModule.module).where(UserModule.user_id == user_id)))


def rights_of(session: Session, user_id: int) -> UserRights:
    """The user's rights row."""
    return rights_row(session, user_id)


# -- custom rights ------------------------------------------------------------------------

def list_custom_rights(session: Session) -> list[tuple[CustomRight, int]]:
    """Every custom right with the number of users holding it, by name."""
    holders = (select(UserRights.custom_right_id, func.count().label("n"))
               .group_by(UserRights.custom_right_id).subquery())
    query = (select(CustomRight, func.coalesce(holders.c.n, 0))
             .outerjoin(holders, holders.c.custom_right_id == CustomRight.id)
             .order_by(CustomRight.name))
    return [(right, int(count)) for right, count in session.execute(query)]


def save_custom_right(
    session: Session, right_id: int | None, *, name: str, view_only: bool = False,
    kind: CustomKind | str = CustomKind.ALL, group_ids: Iterable[int] = (),
    person_ids: Iterable[int] = (), actor: str = "",
) -> CustomRight:
    """Create (``right_id`` None) or replace a custom right; holders' history is updated."""
    clean = check.name("name", name)
    clash = session.scalar(select(CustomRight.id).where(CustomRight.name == clean))
    if clash is not None and clash != right_id:
        raise Conflict(f"a custom right named {clean!r} already exists", field="name")
    groups = sorted({check.get(session, Group, g, "group").id for g in group_ids})
    persons = sorted({check.get(session, Person, p, "person").id for p in person_ids})
    if right_id is None:
        right = CustomRight(name=clean)
        session.add(right)
    else:
        right = check.get(session, CustomRight, right_id, "custom right")
    holders = _holders(session, right.id) if right_id is not None else []
    befores = {u.id: describe(load_grants(session, u)) for u in holders}
    right.name = clean
    right.view_only = check.flag("view_only", view_only)
    right.kind = CustomKind(_enum("kind", CustomKind, kind))
    right.groups.clear()
    right.persons.clear()
    session.flush()
    right.groups.extend(CustomRightGroup(group_id=g) for g in groups)
    right.persons.extend(CustomRightPerson(person_id=p) for p in persons)
    session.flush()
    for user in holders:
        record_change(session, user, befores[user.id], actor=actor)
    return right


def delete_custom_right(session: Session, right_id: object, *, actor: str = "") -> None:
    """Delete a custom right; its holders lose their edit rights (edit scope 'none')."""
    right = check.get(session, CustomRight, right_id, "custom right")
    holders = _holders(session, right.id)
    befores = {u.id: describe(load_grants(session, u)) for u in holders}
    session.execute(update(UserRights).where(UserRights.custom_right_id == right.id)
                    .values(edit_scope=EditScope.NONE, custom_right_id=None))
    session.delete(right)
    session.flush()
    session.expire_all()
    for user in holders:
        record_change(session, user, befores[user.id], actor=actor)


def _holders(session: Session, right_id: int) -> list[User]:
    query = (select(User).join(UserRights, UserRights.user_id == User.id)
             .where(UserRights.custom_right_id == right_id).order_by(User.id))
    return list(session.scalars(query))


# -- company settings ----------------------------------------------------------------------

def update_settings(session: Session, *, ban_own_edit_department: bool,
                    ban_own_edit_all: bool) -> RightsSettings:
    """Set the self-edit bans of the company settings."""
    row = settings_row(session)
    row.ban_own_edit_department = check.flag("ban_own_edit_department", ban_own_edit_department)
    row.ban_own_edit_all = check.flag("ban_own_edit_all", ban_own_edit_all)
    session.flush()
    return row
