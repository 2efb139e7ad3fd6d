"""Rights in the database: setting them (with history), custom rights, company settings,
and the row filter that narrows every query of a request."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.auth import users
from hub.errors import Conflict, Invalid
from hub.people import groups
from hub.people import services as people
from hub.people.fields import list_classes
from hub.people.models import Person
from hub.rights import services as rights
from hub.rights.decide import Bans, CustomGrant, Reach
from hub.rights.load import load_bans, load_grants, load_tree
from hub.rights.models import CustomKind, EditScope, Module, ViewScope
from hub.rights.query import restrict_session
from hub.sites.models import Site
from hub.sites.services import create_site, get_site_by_code


def arrange(session: Session, site: Site) -> dict[str, int]:
    employee = next(c.id for c in list_classes(session, site.id) if c.name == "employee")
    company = groups.create_group(session, site.id, name="Company", is_company=True).id
    production = groups.create_group(session, site.id, name="Production", parent_id=company).id
    workshop = groups.create_group(session, site.id, name="Workshop", parent_id=production).id
    store = groups.create_group(session, site.id, name="Store", parent_id=company).id
    ids = {"company": company, "production": production, "workshop": workshop, "store": store}
    for name, group in (("manager", production), ("worker", production),
                        ("fitter", workshop), ("storeman", store)):
        ids[name] = people.create_person(session, site.id, surname=name.title(), name="X",
                                         class_id=employee, group_id=group).id
    return ids


def test_rights_are_set_with_a_snapshot_in_the_history(session: Session, site: Site) -> None:
    ids = arrange(session, site)
    user = users.create_user(session, username="zich", person_id=ids["manager"])
    rights.set_rights(session, user.id, rights.RightsForm(
        view="subtree", edit="department", modules=["badges", "audit"]), actor="admin")
    grants = load_grants(session, user)
    assert grants.view is ViewScope.SUBTREE and grants.edit is EditScope.DEPARTMENT
    assert grants.modules == {Module.BADGES, Module.AUDIT}
    assert grants.group_id == ids["production"] and grants.site_id == site.id
    rights.set_rights(session, user.id, rights.RightsForm(view="subtree", modules=["audit"]),
                      actor="admin")
    newest, first = rights.rights_history(session, user.id)
    assert json.loads(first.snapshot)["modules"] == ["audit", "badges"]
    assert json.loads(newest.snapshot)["edit"] == "none"
    assert newest.revoked == "module badges, edit department" and newest.actor == "admin"


@pytest.mark.parametrize(("form", "field"), [
    (rights.RightsForm(view="everyone"), "view"),
    (rights.RightsForm(edit="custom"), "custom_right_id"),
    (rights.RightsForm(edit="all", custom_right_id=1), "custom_right_id"),
    (rights.RightsForm(modules=["users"]), "modules"),
    (rights.RightsForm(policies_only=True, additional_policies_only=True), "policies_only"),
    (rights.RightsForm(main_data_only=True), "main_data_only"),
])
def test_bad_rights_are_refused_by_field(session: Session, form: rights.RightsForm,
                                         field: str) -> None:
    user = users.create_user(session, username="eva")
    with pytest.raises(Invalid) as refused:
        rights.set_rights(session, user.id, form, actor="admin")
    assert refused.value.field == field


def test_the_administrator_has_no_rights_to_set(session: Session) -> None:
    admin = users.create_user(session, username="boss")
    admin.is_admin = True
    with pytest.raises(Invalid, match="every right"):
        rights.set_rights(session, admin.id, rights.RightsForm(), actor="admin")


def test_custom_rights_holders_and_deletion(session: Session, site: Site) -> None:
    ids = arrange(session, site)
    right = rights.save_custom_right(session, None, name="Production and store", group_ids=[
        ids["production"]], person_ids=[ids["storeman"], ids["manager"]], kind="absences")
    with pytest.raises(Conflict):
        rights.save_custom_right(session, None, name="Production and store")
    user = users.create_user(session, username="zich", person_id=ids["manager"])
    rights.set_rights(session, user.id, rights.RightsForm(edit="custom",
                                                          custom_right_id=right.id), actor="a")
    assert load_grants(session, user).custom == CustomGrant(
        groups=frozenset({ids["production"]}),
        persons=frozenset({ids["storeman"], ids["manager"]}), kind=CustomKind.ABSENCES)
    assert rights.list_custom_rights(session) == [(right, 1)]
    rights.save_custom_right(session, right.id, name="Production only", view_only=True,
                             group_ids=[ids["production"]], actor="admin")
    custom = load_grants(session, user).custom
    assert custom is not None and custom.view_only and custom.persons == frozenset()
    assert json.loads(rights.rights_history(session, user.id)[0].snapshot)["custom"][
        "view_only"] is True
    rights.delete_custom_right(session, right.id, actor="admin")
    grants = load_grants(session, user)
    assert grants.edit is EditScope.NONE and grants.custom is None
    assert rights.rights_history(session, user.id)[0].revoked.startswith("edit custom")


def test_company_settings(session: Session) -> None:
    assert load_bans(session) == Bans()
    rights.update_settings(session, ban_own_edit_department=True, ban_own_edit_all=False)
    assert load_bans(session) == Bans(own_edit_department=True, own_edit_all=False)


def test_the_row_filter_narrows_every_query(session: Session, site: Site) -> None:
    ids = arrange(session, site)
    other = create_site(session, code="other", name="Other", time_zone="UTC")
    session.commit()
    restricted = Session(bind=session.connection(), join_transaction_mode="create_savepoint")
    try:
        tree = load_tree(restricted, site.id)
        restrict_session(restricted, Reach(groups=tree.subtree(ids["production"])), site.id)
        names = restricted.scalars(select(Person.surname).order_by(Person.surname)).all()
        assert names == ["Fitter", "Manager", "Worker"]  # a column query too
        assert restricted.get(Person, ids["storeman"]) is None  # a look-up by id
        assert restricted.get(Person, ids["fitter"]) is not None
        count = restricted.scalar(select(func.count()).select_from(
            select(Person).order_by(Person.id).subquery()))
        assert count == 3  # the API's page counts use a subquery
        assert restricted.scalar(select(Site.code).where(Site.id == other.id)) is None
        assert get_site_by_code(restricted, "factory").id == site.id
        excluded = Session(bind=session.connection(), join_transaction_mode="create_savepoint")
        restrict_session(excluded, Reach(everyone=True, excluded=frozenset({ids["manager"]})),
                         None)
        assert len(excluded.scalars(select(Person)).all()) == 3
        excluded.close()
    finally:
        restricted.close()
    # the fixture's own session is untouched
    assert session.scalar(select(func.count()).select_from(Person)) == 4
