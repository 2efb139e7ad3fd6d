"""A small site with one of everything, built through the services, for UI and rights tests.

Company (root) -> Production -> Workshop; Company -> Store. Persons: manager and worker
in Production, fitter in Workshop, storeman in Store. One policy (24 h on the gate's
entry), schedules, a holiday list, rooms Hall and Office, the Gate door, controller c1
with reader 1 on the gate's entry, a badge issued to the worker, and events.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.access import controllers
from hub.access import services as access
from hub.badges import services as badges
from hub.events.models import Event
from hub.people import groups
from hub.people import services as people
from hub.people.models import PersonClass
from hub.policies import services as policies
from hub.schedules import services as schedules
from hub.sites.services import create_site

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff"
       b"\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")


def build_site(session: Session, code: str = "factory") -> dict[str, Any]:
    """The site; a map of names to ids (and ``code``)."""
    site = create_site(session, code=code, name=code.title(), time_zone="Europe/Bratislava")
    s = site.id
    ids: dict[str, Any] = {"site": s, "code": code}
    ids["employee"] = session.scalar(select(PersonClass.id).where(
        PersonClass.site_id == s, PersonClass.name == "employee"))
    always = schedules.create_schedule(session, s, name="24h", kind="weekly",
                                       days=[["00:00-24:00"]] * 7)
    ids["schedule"] = always.id
    ids["holiday_schedule"] = schedules.create_schedule(
        session, s, name="Holiday morning", kind="holiday", days=[["08:00-12:00"]]).id
    ids["holidays"] = schedules.create_holiday_list(session, s, name="Public holidays",
                                                    dates=["2026-12-24"]).id
    ids["hall"] = access.create_room(session, s, name="Hall").id
    ids["office"] = access.create_room(session, s, name="Office").id
    door = access.create_door(session, s, name="Gate", to_room_id=ids["hall"])
    ids["door"] = door.id
    ids["entry"], ids["exit"] = (p.id for p in door.access_points)
    ids["point_group"] = access.create_point_group(session, s, name="Ground floor").id
    access.add_to_point_group(session, ids["point_group"], point_id=ids["exit"])
    policy = policies.create_policy(session, s, name="Day")
    policies.add_rule(session, policy.id, access_point_id=ids["entry"], schedule_id=always.id)
    ids["policy"] = policy.id
    ids["policy2"] = policies.create_policy(session, s, name="Night").id
    ids["company"] = groups.create_group(session, s, name="Company", is_company=True,
                                         policy_id=policy.id).id
    ids["production"] = groups.create_group(session, s, name="Production",
                                            parent_id=ids["company"]).id
    ids["workshop"] = groups.create_group(session, s, name="Workshop",
                                          parent_id=ids["production"]).id
    ids["store"] = groups.create_group(session, s, name="Store", parent_id=ids["company"]).id
    for name, group, number in (("Manager", "production", "100"), ("Worker", "production", "101"),
                                ("Fitter", "workshop", "102"), ("Storeman", "store", "103")):
        ids[name.lower()] = people.create_person(
            session, s, surname=name, name="Test", class_id=ids["employee"],
            group_id=ids[group], personal_number=number, notes=f"notes of {name}").id
    people.set_photo(session, ids["worker"], PNG, "image/png")
    ctl = controllers.create_controller(session, s, code=f"{code}-c1", name="Gate controller")
    controllers.add_reader(session, ctl.id, reader_no=1, access_point_id=ids["entry"])
    ids["controller"] = ctl.id
    badge = badges.register_badge(session, s, "H10301:7:1")
    badges.issue_badge(session, badge.id, person_id=ids["worker"])
    ids["badge"] = badge.id
    ids["pool_badge"] = badges.register_badge(session, s, "H10301:7:2").id
    now = int(time.time())
    for seq, (card, kind, granted) in enumerate(
            [(1, "access", True), (99, "access", False), (None, "door_forced", False)], start=1):
        session.add(Event(controller_id=ctl.id, seq=seq, ts=now - 60 + seq, reader=1, door=1,
                          card_format=None if card is None else 1,
                          card_value=None if card is None else (7 << 16) | card,
                          kind=kind, reason=0 if granted else 1, granted=granted,
                          faces=1 if granted else None, photo=None, historical=False))
    session.flush()
    return ids
