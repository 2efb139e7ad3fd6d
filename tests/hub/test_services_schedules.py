"""Weekly, cyclic and holiday schedules; holiday lists."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from hub.errors import Conflict, Invalid
from hub.schedules import services as schedules
from hub.schedules.models import ScheduleKind
from hub.sites.models import Site


def test_weekly_schedule_monday_first(session: Session, site: Site) -> None:
    office = schedules.create_schedule(
        session, site.id, name="9-18", kind="weekly",
        days=[["09:00-18:00"]] * 5 + [[], []],
    )
    assert office.kind is ScheduleKind.WEEKLY and office.cycle_days == 7
    assert schedules.day_table(office) == [[(540, 1080)]] * 5 + [[], []]
    with pytest.raises(Invalid, match="7 days"):
        schedules.create_schedule(session, site.id, name="short", kind="weekly", days=[[]] * 5)


def test_four_day_rotation_and_night_shift(session: Session, site: Site) -> None:
    rotation = schedules.create_schedule(
        session, site.id, name="4 shifts", kind="cyclic", days={1: ["00:00-24:00"]},
        cycle_days=4,
    )
    assert schedules.day_table(rotation) == [[(0, 1440)], [], [], []]
    night = schedules.create_schedule(
        session, site.id, name="nights", kind=ScheduleKind.CYCLIC,
        days=[[(1320, 360)], []],
    )
    assert schedules.day_table(night) == [[(1320, 360)], []]
    assert schedules.format_interval(1320, 360) == "22:00-06:00"
    schedules.set_days(session, night.id, [["22:00-06:00", "12:00-13:00"]])
    assert schedules.day_table(night) == [[(720, 780), (1320, 360)]]


@pytest.mark.parametrize("bad", ["9-18", "09:00-09:00", "25:00-26:00", "10:60-11:00", (0, 2000)])
def test_bad_intervals_are_named(session: Session, site: Site, bad: Any) -> None:
    with pytest.raises(Invalid) as err:
        schedules.create_schedule(session, site.id, name="bad", kind="cyclic", days=[[bad]])
    assert err.value.field.startswith("days.1")


def test_holiday_schedule_and_lists(session: Session, site: Site) -> None:
    short = schedules.create_schedule(session, site.id, name="holiday 8-12", kind="holiday",
                                      days=[["08:00-12:00"]])
    assert short.cycle_days == 1
    with pytest.raises(Invalid, match="one day"):
        schedules.create_schedule(session, site.id, name="h2", kind="holiday", days=[[], []])
    national = schedules.create_holiday_list(
        session, site.id, name="SK", dates=["2025-01-01", date(2025, 1, 6)]
    )
    schedules.add_holiday(session, national.id, "2025-05-01", name="Labour day")
    assert schedules.holiday_dates(session, national.id) == [
        date(2025, 1, 1), date(2025, 1, 6), date(2025, 5, 1)]
    with pytest.raises(Conflict):
        schedules.add_holiday(session, national.id, date(2025, 1, 1))
    with pytest.raises(Invalid):
        schedules.add_holiday(session, national.id, "1 May")
    schedules.remove_holiday(session, national.id, "2025-01-06")
    assert date(2025, 1, 6) not in schedules.holiday_dates(session, national.id)
    with pytest.raises(Conflict):
        schedules.create_holiday_list(session, site.id, name="SK")
