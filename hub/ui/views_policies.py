"""Access policies: the access tables (rows of access point or group, schedule, start date,
holiday exception), who holds each policy, and the site's conflicts."""

from __future__ import annotations

from flask import request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from hub import validation as check
from hub.access.models import AccessPoint, AccessPointGroup
from hub.compiler.load import load_site_rules
from hub.compiler.validate import validate_policy
from hub.errors import HubError
from hub.policies import services as policies
from hub.policies.models import AccessPolicy, AccessRule
from hub.rights.models import Module
from hub.rights.rules import module
from hub.schedules.models import HolidayList, Schedule, ScheduleKind
from hub.sites.models import Site
from hub.ui.blueprint import page
from hub.ui.helpers import can, db, done, form_errors, optional_int, render, site_of, text
from hub.ui.i18n import _

READ = module(Module.POLICIES, Module.PERSONS, Module.HIERARCHY)
WRITE = module(Module.POLICIES)


def _policy(site: Site, policy_id: int) -> AccessPolicy:
    return check.in_site(db(), AccessPolicy, policy_id, "policy", site.id)


@page("/sites/<site>/policies", needs=READ, endpoint="policies")
def policies_page(site: str) -> ResponseReturnValue:
    """Every policy of the site."""
    the_site = site_of(site)
    return render("policies.html", rows=policies.list_policies(db(), the_site.id), errors={})


@page("/sites/<site>/policies/new", needs=WRITE, methods=("POST",))
def policy_create(site: str) -> ResponseReturnValue:
    """Add a policy (an empty access table)."""
    the_site = site_of(site)
    try:
        made = policies.create_policy(db(), the_site.id, name=text("name"), notes=text("notes"))
    except HubError as error:
        db().rollback()
        return render("policies.html", 422, rows=policies.list_policies(db(), the_site.id),
                      errors=form_errors(error))
    return done(_("Policy %(name)s added.", name=made.name),
                url_for("ui.policy", site=site, policy_id=made.id))


def _names(model: type[AccessPoint] | type[AccessPointGroup] | type[Schedule] | type[HolidayList],
           site: Site) -> list[tuple[int, str]]:
    query = select(model.id, model.name).where(model.site_id == site.id).order_by(model.name)
    return [(ident, name) for ident, name in db().execute(query)]


def _detail(site: Site, policy: AccessPolicy, status: int = 200,
            errors: dict[str, str] | None = None) -> ResponseReturnValue:
    schedules = list(db().scalars(select(Schedule).where(Schedule.site_id == site.id)
                                  .order_by(Schedule.name)))
    groups, persons = policies.holders_of(db(), policy.id) if can(Module.POLICIES) else ([], [])
    issues = []
    if can(Module.POLICIES):
        rules = load_site_rules(db(), site.id, pins=None, person_ids=[])
        if policy.id in rules.policies:
            issues = validate_policy(rules, rules.policies[policy.id])
    return render(
        "policy.html", status, policy=policy, rules=policy.rules,
        points=_names(AccessPoint, site), point_groups=_names(AccessPointGroup, site),
        schedules=[(s.id, s.name) for s in schedules if s.kind is not ScheduleKind.HOLIDAY],
        holiday_schedules=[(s.id, s.name) for s in schedules if s.kind is ScheduleKind.HOLIDAY],
        holiday_lists=_names(HolidayList, site), holder_groups=groups, holder_persons=persons,
        issues=issues, errors=errors or {}, form=request.form if errors else {},
    )


@page("/sites/<site>/policies/<int:policy_id>", needs=READ)
def policy(site: str, policy_id: int) -> ResponseReturnValue:
    """A policy's access table, holders and problems."""
    the_site = site_of(site)
    return _detail(the_site, _policy(the_site, policy_id))


@page("/sites/<site>/policies/<int:policy_id>/save", needs=WRITE, methods=("POST",))
def policy_save(site: str, policy_id: int) -> ResponseReturnValue:
    """Rename a policy or change its notes."""
    the_site = site_of(site)
    found = _policy(the_site, policy_id)
    try:
        policies.update_policy(db(), found.id, {"name": text("name"),
                                                "notes": request.form.get("notes", "")})
    except HubError as error:
        db().rollback()
        return _detail(the_site, _policy(the_site, policy_id), 422, form_errors(error))
    return done(_("Policy saved."), url_for("ui.policy", site=site, policy_id=found.id))


@page("/sites/<site>/policies/<int:policy_id>/rules", needs=WRITE, methods=("POST",))
def rule_add(site: str, policy_id: int) -> ResponseReturnValue:
    """Add a row to the access table."""
    the_site = site_of(site)
    found = _policy(the_site, policy_id)
    try:
        policies.add_rule(
            db(), found.id, schedule_id=optional_int("schedule_id") or 0,
            access_point_id=optional_int("access_point_id"),
            access_point_group_id=optional_int("access_point_group_id"),
            start_date=text("start_date") or None,
            holiday_list_id=optional_int("holiday_list_id"),
            holiday_schedule_id=optional_int("holiday_schedule_id"))
    except HubError as error:
        db().rollback()
        return _detail(the_site, _policy(the_site, policy_id), 422, form_errors(error))
    return done(_("Row added."), url_for("ui.policy", site=site, policy_id=found.id))


@page("/sites/<site>/policies/<int:policy_id>/rules/<int:rule_id>/delete", needs=WRITE,
      methods=("POST",))
def rule_remove(site: str, policy_id: int, rule_id: int) -> ResponseReturnValue:
    """Remove a row."""
    the_site = site_of(site)
    found = _policy(the_site, policy_id)
    rule = check.get(db(), AccessRule, rule_id, "rule")
    if rule.policy_id != found.id:
        return _detail(the_site, found, 404, {"_": _("no such row in this policy")})
    policies.remove_rule(db(), rule.id)
    return done(_("Row removed."), url_for("ui.policy", site=site, policy_id=found.id))


@page("/sites/<site>/policies/<int:policy_id>/delete", needs=WRITE, methods=("POST",))
def policy_delete(site: str, policy_id: int) -> ResponseReturnValue:
    """Delete a policy nobody holds."""
    the_site = site_of(site)
    found = _policy(the_site, policy_id)
    try:
        policies.delete_policy(db(), found.id)
    except HubError as error:
        db().rollback()
        return _detail(the_site, found, 409, {"_": error.message})
    return done(_("Policy deleted."), url_for("ui.policies", site=site))
