"""Reading the inputs of hub.rights.decide from the database: grants, tree, bans."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.models import User
from hub.people.models import Group, Person
from hub.rights.decide import Bans, CustomGrant, Grants, Tree
from hub.rights.models import (
    CustomRight,
    CustomRightGroup,
    CustomRightPerson,
    EditScope,
    RightsSettings,
    UserModule,
    UserRights,
    ViewScope,
)


def rights_row(session: Session, user_id: int) -> UserRights:
    """The user's rights row (made with the standard rights on first use)."""
    row = session.get(UserRights, user_id)
    if row is None:
        row = UserRights(user_id=user_id, view_scope=ViewScope.SELF, edit_scope=EditScope.NONE,
                         policies_only=False, additional_policies_only=False,
                         main_data_only=False)
        session.add(row)
        session.flush()
    return row


def load_grants(session: Session, user: User) -> Grants:
    """The user's rights as hub.rights.decide takes them."""
    if user.is_admin:
        return Grants(user_id=user.id, is_admin=True)
    row = session.get(UserRights, user.id)
    group_id = None
    if user.person_id is not None:
        group_id = session.scalar(select(Person.group_id).where(Person.id == user.person_id))
    modules = frozenset(session.scalars(select(UserModule.module)
                                        .where(UserModule.user_id == user.id)))
    if row is None:
        return Grants(user_id=user.id, person_id=user.person_id, group_id=group_id,
                      site_id=user.site_id, modules=modules)
    custom = None
    if row.custom_right_id is not None:
        custom = load_custom(session, row.custom_right_id)
    return Grants(
        user_id=user.id, person_id=user.person_id, group_id=group_id, site_id=user.site_id,
        view=row.view_scope, edit=row.edit_scope, custom=custom, modules=modules,
        policies_only=row.policies_only,
        additional_policies_only=row.additional_policies_only,
        main_data_only=row.main_data_only,
    )


def load_custom(session: Session, right_id: int) -> CustomGrant | None:
    """A custom right as its holders get it (None if it no longer exists)."""
    right = session.get(CustomRight, right_id)
    if right is None:
        return None
    groups = frozenset(session.scalars(select(CustomRightGroup.group_id)
                                       .where(CustomRightGroup.right_id == right_id)))
    persons = frozenset(session.scalars(select(CustomRightPerson.person_id)
                                        .where(CustomRightPerson.right_id == right_id)))
    return CustomGrant(groups=groups, persons=persons, view_only=right.view_only, kind=right.kind)


def load_tree(session: Session, site_id: int | None = None) -> Tree:
    """The group hierarchy of one site (None: of every site; group ids are unique)."""
    query = select(Group.id, Group.parent_id)
    if site_id is not None:
        query = query.where(Group.site_id == site_id)
    return Tree({group: parent for group, parent in session.execute(query)})


def settings_row(session: Session) -> RightsSettings:
    """The company rights settings (the row is made with defaults on first use)."""
    row = session.get(RightsSettings, 1)
    if row is None:
        row = RightsSettings(id=1, ban_own_edit_department=False, ban_own_edit_all=False)
        session.add(row)
        session.flush()
    return row


def load_bans(session: Session) -> Bans:
    """The self-edit bans of the company settings."""
    row = session.get(RightsSettings, 1)
    if row is None:
        return Bans()
    return Bans(own_edit_department=row.ban_own_edit_department,
                own_edit_all=row.ban_own_edit_all)
