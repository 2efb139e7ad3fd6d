"""Schedules and holiday lists: ``/api/sites/<site>/schedules`` and ``.../holiday-lists``.

Days are keyed by their number as text: 1..7 (Monday first) for a weekly schedule, 1..N for
a cyclic one (day 1 is an access row's start date), "1" for a one-day holiday schedule.
Intervals are site-local ``"HH:MM-HH:MM"``; ``"22:00-06:00"`` runs into the next day.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select

from hub.api.blueprint import ApiBlueprint
from hub.api.context import commit, in_site, paginate, session, site_by_code
from hub.api.schemas import PageArgs, StrictInteger, name_field, page, page_schema, text_field
from hub.schedules.models import HolidayList, Schedule, ScheduleKind
from hub.schedules.services import (
    add_holiday,
    create_holiday_list,
    create_schedule,
    day_table,
    delete_schedule,
    format_interval,
    remove_holiday,
    rename_schedule,
    set_days,
)

blp = ApiBlueprint(
    "schedules",
    __name__,
    url_prefix="/api/sites/<site>",
    description="Weekly, cyclic and one-day holiday schedules; holiday lists.",
)

KINDS = [k.value for k in ScheduleKind]
MAX_CYCLE_DAYS = 1000
FIXED_DAYS = {ScheduleKind.WEEKLY.value: 7, ScheduleKind.HOLIDAY.value: 1}
INTERVAL_PATTERN = r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}$"


class DayKey(fields.String):
    """A day number 1..1000 written as text (JSON object keys are text)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text.isdigit() or not 1 <= int(text) <= MAX_CYCLE_DAYS:
            raise ValidationError(f"day keys are day numbers 1..{MAX_CYCLE_DAYS}, got {text!r}")
        return int(text)


def days_field(**kwargs: Any) -> fields.Dict:
    """Day number -> list of intervals "HH:MM-HH:MM"."""
    interval = fields.String(
        validate=validate.Regexp(INTERVAL_PATTERN, error="an interval is written '09:00-18:00'")
    )
    return fields.Dict(keys=DayKey(), values=fields.List(interval), **kwargs)


class ScheduleSchema(Schema):
    """A schedule (output): only days with intervals are listed."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, metadata={"enum": KINDS})
    cycle_days = fields.Integer(required=True)
    days = fields.Method("_days", metadata={"description": "day number -> intervals"})

    def _days(self, schedule: Schedule) -> dict[str, list[str]]:
        return {
            str(number): [format_interval(start, end) for start, end in intervals]
            for number, intervals in enumerate(day_table(schedule), start=1)
            if intervals
        }


class ScheduleCreateSchema(Schema):
    """A new schedule."""

    name = name_field()
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    cycle_days = StrictInteger(
        validate=validate.Range(min=1, max=MAX_CYCLE_DAYS),
        metadata={"description": "days of a cyclic schedule (default: its last listed day)"},
    )
    days = days_field(required=True)


class SchedulePatchSchema(Schema):
    """A new name, or new days (replacing all intervals)."""

    name = name_field(required=False)
    cycle_days = StrictInteger(validate=validate.Range(min=1, max=MAX_CYCLE_DAYS))
    days = days_field()


class ScheduleQuery(PageArgs):
    """Filters of the schedule list."""

    kind = fields.String(validate=validate.OneOf(KINDS))


class HolidaySchema(Schema):
    """One date of a holiday list."""

    day = fields.Date(required=True)
    name = text_field(200)


class HolidayListSchema(Schema):
    """A holiday list with its dates."""

    id = fields.Integer(dump_only=True)
    name = name_field()
    holidays = fields.List(fields.Nested(HolidaySchema), load_default=list)


SchedulePage = page_schema(ScheduleSchema, "SchedulePage")
HolidayListPage = page_schema(HolidayListSchema, "HolidayListPage")


@blp.endpoint("GET", "/schedules", query=ScheduleQuery, response=SchedulePage)
def list_schedules(site: str, query: dict[str, Any]) -> dict[str, Any]:
    """The site's schedules by name."""
    stmt = select(Schedule).where(Schedule.site_id == site_by_code(site).id)
    if "kind" in query:
        stmt = stmt.where(Schedule.kind == ScheduleKind(query["kind"]))
    items, total = paginate(stmt.order_by(Schedule.name), query)
    return page(items, total, query)


@blp.endpoint(
    "POST", "/schedules", body=ScheduleCreateSchema, response=ScheduleSchema,
    status=HTTPStatus.CREATED, errors=[HTTPStatus.CONFLICT],
)
def create(site: str, body: dict[str, Any]) -> Schedule:
    """Create a weekly, cyclic or holiday schedule."""
    if "cycle_days" not in body:
        # Weekly schedules have 7 days and holiday ones 1; a cyclic one ends on its last day.
        body["cycle_days"] = FIXED_DAYS.get(body["kind"])
    schedule = create_schedule(session(), site_by_code(site).id, **body)
    commit()
    return schedule


@blp.endpoint("GET", "/schedules/<int:schedule_id>", response=ScheduleSchema)
def get(site: str, schedule_id: int) -> Schedule:
    """One schedule."""
    return in_site(Schedule, schedule_id, "schedule", site_by_code(site))


@blp.endpoint(
    "PATCH", "/schedules/<int:schedule_id>", body=SchedulePatchSchema, response=ScheduleSchema,
    errors=[HTTPStatus.CONFLICT],
)
def patch(site: str, schedule_id: int, body: dict[str, Any]) -> Schedule:
    """Rename a schedule or replace its days."""
    schedule = in_site(Schedule, schedule_id, "schedule", site_by_code(site))
    if "name" in body:
        rename_schedule(session(), schedule.id, body["name"])
    if "days" in body:
        set_days(session(), schedule.id, body["days"], body.get("cycle_days", schedule.cycle_days))
    elif "cycle_days" in body:
        set_days(session(), schedule.id, _current_days(schedule), body["cycle_days"])
    commit()
    return schedule


def _current_days(schedule: Schedule) -> dict[int, list[tuple[int, int]]]:
    return {n: day for n, day in enumerate(day_table(schedule), start=1) if day}


@blp.endpoint(
    "DELETE", "/schedules/<int:schedule_id>", status=HTTPStatus.NO_CONTENT,
    errors=[HTTPStatus.CONFLICT],
)
def delete(site: str, schedule_id: int) -> None:
    """Delete a schedule no access rule uses."""
    schedule = in_site(Schedule, schedule_id, "schedule", site_by_code(site))
    delete_schedule(session(), schedule.id)
    commit()


@blp.endpoint("GET", "/holiday-lists", query=PageArgs, response=HolidayListPage)
def list_holiday_lists(site: str, query: dict[str, Any]) -> dict[str, Any]:
    """The site's holiday lists by name."""
    stmt = select(HolidayList).where(HolidayList.site_id == site_by_code(site).id)
    items, total = paginate(stmt.order_by(HolidayList.name), query)
    return page(items, total, query)


@blp.endpoint(
    "POST", "/holiday-lists", body=HolidayListSchema, response=HolidayListSchema,
    status=HTTPStatus.CREATED, errors=[HTTPStatus.CONFLICT],
)
def create_list(site: str, body: dict[str, Any]) -> HolidayList:
    """Create a holiday list with its dates."""
    holidays = create_holiday_list(session(), site_by_code(site).id, name=body["name"])
    for holiday in body["holidays"]:
        add_holiday(session(), holidays.id, holiday["day"], holiday.get("name", ""))
    commit()
    return holidays


@blp.endpoint("GET", "/holiday-lists/<int:list_id>", response=HolidayListSchema)
def get_list(site: str, list_id: int) -> HolidayList:
    """One holiday list."""
    return in_site(HolidayList, list_id, "holiday list", site_by_code(site))


@blp.endpoint(
    "POST", "/holiday-lists/<int:list_id>/holidays", body=HolidaySchema,
    response=HolidayListSchema, status=HTTPStatus.CREATED, errors=[HTTPStatus.CONFLICT],
)
def create_holiday(site: str, list_id: int, body: dict[str, Any]) -> HolidayList:
    """Add a date to a holiday list."""
    holidays = in_site(HolidayList, list_id, "holiday list", site_by_code(site))
    add_holiday(session(), holidays.id, body["day"], body.get("name", ""))
    commit()
    return holidays


@blp.endpoint(
    "DELETE", "/holiday-lists/<int:list_id>/holidays/<day>", status=HTTPStatus.NO_CONTENT,
    errors=[HTTPStatus.UNPROCESSABLE_ENTITY],
)
def delete_holiday(site: str, list_id: int, day: str) -> None:
    """Remove a date (YYYY-MM-DD) from a holiday list."""
    holidays = in_site(HolidayList, list_id, "holiday list", site_by_code(site))
    remove_holiday(session(), holidays.id, day)
    commit()
