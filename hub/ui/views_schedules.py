"""Schedules (weekly, cyclic, one-day holiday schedules) with a calendar preview of the
compiled windows, and holiday lists."""

from __future__ import annotations

import datetime as dt

from flask import request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import Select, select

from hub import validation as check
from hub.errors import HubError, Invalid
from hub.rights.models import Module
from hub.rights.rules import module
from hub.schedules import services as schedules
from hub.schedules.models import HolidayList, Schedule, ScheduleKind
from hub.sites.models import Site
from hub.ui.blueprint import page
from hub.ui.calendar import preview
from hub.ui.helpers import db, done, form_errors, render, site_of, text, zone
from hub.ui.i18n import _
from hub.ui.words import WORDS

READ = module(Module.SCHEDULES, Module.POLICIES, Module.HOLIDAYS)
WRITE = module(Module.SCHEDULES)
HOLIDAYS = module(Module.HOLIDAYS)
KINDS = [(k.value, WORDS[k.value]) for k in ScheduleKind]  # lazy: translated when shown
PREVIEW_DAYS = 14


def parse_days(source: str, kind: str) -> list[list[str]]:
    """One line per day of the cycle (Monday first for weekly schedules), intervals
    separated by commas: ``08:00-12:00, 13:00-17:00``; an empty line is a day without
    access. Weekly schedules are padded to seven days."""
    lines = source.replace("\r", "").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    days = [[part.strip() for part in line.split(",") if part.strip()] for line in lines]
    if kind == ScheduleKind.WEEKLY.value:
        days += [[] for _ in range(7 - len(days))]
    if not days:
        raise Invalid("days", _("give at least one day"))
    return days


def schedule_errors(error: HubError) -> dict[str, str]:
    """Form errors, with a day's interval error ("days.3") shown at the days field."""
    if isinstance(error, Invalid) and error.field.startswith("days."):
        return {"days": _("day %(day)s: %(message)s", day=error.field[5:],
                          message=error.detail)}
    return form_errors(error)


def days_text(schedule: Schedule) -> str:
    """A schedule's days as the form shows them."""
    return "\n".join(", ".join(schedules.format_interval(a, b) for a, b in day)
                     for day in schedules.day_table(schedule))


def _schedule(site: Site, schedule_id: int) -> Schedule:
    return check.in_site(db(), Schedule, schedule_id, "schedule", site.id)


@page("/sites/<site>/schedules", needs=READ, endpoint="schedules")
def schedules_page(site: str) -> ResponseReturnValue:
    """Every schedule of the site."""
    the_site = site_of(site)
    return render("schedules.html", rows=schedules.list_schedules(db(), the_site.id),
                  kinds=KINDS, errors={}, form={}, days_text=days_text)


@page("/sites/<site>/schedules/new", needs=WRITE, methods=("POST",))
def schedule_create(site: str) -> ResponseReturnValue:
    """Add a schedule."""
    the_site = site_of(site)
    try:
        kind = text("kind")
        made = schedules.create_schedule(db(), the_site.id, name=text("name"), kind=kind,
                                         days=parse_days(request.form.get("days", ""), kind))
    except HubError as error:
        db().rollback()
        return render("schedules.html", 422, rows=schedules.list_schedules(db(), the_site.id),
                      kinds=KINDS, errors=schedule_errors(error), form=request.form,
                      days_text=days_text)
    return done(_("Schedule %(name)s added.", name=made.name),
                url_for("ui.schedule", site=site, schedule_id=made.id))


def _detail(site: Site, schedule: Schedule, status: int = 200,
            errors: dict[str, str] | None = None) -> ResponseReturnValue:
    today = dt.datetime.now(zone(site)).date()
    start = request.args.get("start", "")
    lists = list(db().scalars(check_lists(site)))
    chosen = request.args.get("holidays", type=int)
    holiday_list = next((h for h in lists if h.id == chosen), None)
    holiday_schedule = None
    if request.args.get("holiday_schedule", type=int):
        holiday_schedule = db().get(Schedule, request.args.get("holiday_schedule", type=int))
        if holiday_schedule is not None and holiday_schedule.site_id != site.id:
            holiday_schedule = None
    start_date = _date(start)
    first = _date(request.args.get("from", "")) or today
    days = preview(schedule, site.time_zone, first, PREVIEW_DAYS, start_date=start_date,
                   holidays=frozenset(h.day for h in holiday_list.holidays) if holiday_list
                   else frozenset(), holiday_schedule=holiday_schedule)
    others = [(s.id, s.name) for s in schedules.list_schedules(db(), site.id)
              if s.kind is ScheduleKind.HOLIDAY]
    return render("schedule.html", status, schedule=schedule, text=days_text(schedule),
                  preview=days, lists=[(h.id, h.name) for h in lists], chosen=chosen,
                  start=start, first=first.isoformat(), holiday_schedules=others,
                  holiday_schedule=holiday_schedule.id if holiday_schedule else "",
                  errors=errors or {}, form=request.form if errors else {})


def _date(value: str) -> dt.date | None:
    """A date from a query parameter (None when missing or not a date)."""
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def check_lists(site: Site) -> Select[HolidayList]:
    """The select of the site's holiday lists."""
    return select(HolidayList).where(HolidayList.site_id == site.id).order_by(HolidayList.name)


@page("/sites/<site>/schedules/<int:schedule_id>", needs=READ)
def schedule(site: str, schedule_id: int) -> ResponseReturnValue:
    """A schedule, its days and the calendar of its windows for the next two weeks."""
    the_site = site_of(site)
    return _detail(the_site, _schedule(the_site, schedule_id))


@page("/sites/<site>/schedules/<int:schedule_id>/save", needs=WRITE, methods=("POST",))
def schedule_save(site: str, schedule_id: int) -> ResponseReturnValue:
    """Rename a schedule and replace its days."""
    the_site = site_of(site)
    found = _schedule(the_site, schedule_id)
    try:
        schedules.rename_schedule(db(), found.id, text("name"))
        days = parse_days(request.form.get("days", ""), found.kind.value)
        schedules.set_days(db(), found.id, days,
                           len(days) if found.kind is ScheduleKind.CYCLIC else None)
    except HubError as error:
        db().rollback()
        return _detail(the_site, _schedule(the_site, schedule_id), 422, schedule_errors(error))
    return done(_("Schedule saved."), url_for("ui.schedule", site=site, schedule_id=found.id))


@page("/sites/<site>/schedules/<int:schedule_id>/delete", needs=WRITE, methods=("POST",))
def schedule_delete(site: str, schedule_id: int) -> ResponseReturnValue:
    """Delete a schedule no rule uses."""
    the_site = site_of(site)
    found = _schedule(the_site, schedule_id)
    try:
        schedules.delete_schedule(db(), found.id)
    except HubError as error:
        db().rollback()
        return _detail(the_site, found, 409, {"_": error.message})
    return done(_("Schedule deleted."), url_for("ui.schedules", site=site))


# -- holiday lists ---------------------------------------------------------------------------

def _list(site: Site, list_id: int) -> HolidayList:
    return check.in_site(db(), HolidayList, list_id, "holiday list", site.id)


@page("/sites/<site>/holidays", needs=READ)
def holiday_lists(site: str) -> ResponseReturnValue:
    """Every holiday list with its dates."""
    the_site = site_of(site)
    return render("holidays.html", lists=list(db().scalars(check_lists(the_site))), errors={},
                  which="")


def _holiday_change(site: str, which: str, action: object) -> ResponseReturnValue:
    the_site = site_of(site)
    try:
        message = action(the_site)  # type: ignore[operator]
    except HubError as error:
        db().rollback()
        return render("holidays.html", 422, lists=list(db().scalars(check_lists(the_site))),
                      errors=form_errors(error), which=which)
    return done(str(message), url_for("ui.holiday_lists", site=site))


@page("/sites/<site>/holidays/new", needs=HOLIDAYS, methods=("POST",))
def holiday_list_create(site: str) -> ResponseReturnValue:
    """Add a holiday list."""
    return _holiday_change(site, "new", lambda s: _(
        "Holiday list %(name)s added.",
        name=schedules.create_holiday_list(db(), s.id, name=text("name")).name))


@page("/sites/<site>/holidays/<int:list_id>/dates", needs=HOLIDAYS, methods=("POST",))
def holiday_add(site: str, list_id: int) -> ResponseReturnValue:
    """Add a date to a list."""
    def run(s: Site) -> str:
        schedules.add_holiday(db(), _list(s, list_id).id, text("day") or None, text("name"))
        return _("Holiday added.")
    return _holiday_change(site, f"list-{list_id}", run)


@page("/sites/<site>/holidays/<int:list_id>/dates/<day>/delete", needs=HOLIDAYS,
      methods=("POST",))
def holiday_remove(site: str, list_id: int, day: str) -> ResponseReturnValue:
    """Remove a date from a list."""
    def run(s: Site) -> str:
        schedules.remove_holiday(db(), _list(s, list_id).id, day)
        return _("Holiday removed.")
    return _holiday_change(site, f"list-{list_id}", run)
