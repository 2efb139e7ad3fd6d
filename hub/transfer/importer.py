"""Create a site from a document (format 1), all of it or nothing.

The document is validated (shape, values, references) before the database is touched;
then every object is created through the hub's services, so the same rules apply as in
the API. A service that refuses something names the field, and the importer puts the
document path in front of it. The caller's transaction is rolled back on any error.
Imported badges get a history of "registered" (and "issued") by the actor "import".
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from hub.access import controllers as controller_services
from hub.access import services as access_services
from hub.access.models import Direction
from hub.badges import services as badge_services
from hub.badges.models import BadgeState
from hub.errors import Conflict, HubError, Invalid
from hub.people import fields as field_services
from hub.people import groups as group_services
from hub.people import services as person_services
from hub.policies import services as policy_services
from hub.schedules import services as schedule_services
from hub.schedules.models import ScheduleKind
from hub.sites.models import Site
from hub.sites.services import create_site
from hub.transfer.document import WEEKDAYS, load_document
from hub.transfer.errors import TransferError
from hub.transfer.references import check_references, group_paths

ACTOR = "import"


@contextmanager
def at(path: str) -> Iterator[None]:
    """Report a service's refusal at ``path`` in the document."""
    try:
        yield
    except Invalid as err:
        raise TransferError([f"{path}.{err.field}: {err.detail}"]) from err
    except Conflict as err:
        where = f"{path}.{err.field}" if err.field else path
        raise TransferError([f"{where}: {err.message}"]) from err
    except HubError as err:
        raise TransferError([f"{path}: {err.message}"]) from err


class Importer:
    """Creates one site's objects, remembering their ids by natural key."""

    def __init__(self, session: Session, doc: dict[str, Any]) -> None:
        self.session = session
        self.doc = doc
        self.ids: dict[str, dict[Any, int]] = {}

    def run(self) -> Site:
        """Create everything; the site."""
        with at("site"):
            site = create_site(self.session, **self.doc["site"])
        self.site_id = site.id
        for step in (self.classes, self.titles, self.schedules, self.holiday_lists, self.rooms,
                     self.doors, self.point_groups, self.controllers, self.policies,
                     self.groups, self.persons, self.pool):
            step()
        return site

    def _id(self, kind: str, key: Any) -> int:
        return self.ids[kind][key]

    def _opt(self, kind: str, key: Any) -> int | None:
        return None if key is None else self.ids[kind][key]

    def _keep(self, kind: str, key: Any, ident: int) -> None:
        self.ids.setdefault(kind, {})[key] = ident

    def classes(self) -> None:
        for name, ident in ((c.name, c.id) for c in field_services.list_classes(
                self.session, self.site_id)):
            self._keep("class", name, ident)
        for index, item in enumerate(self.doc["classes"]):
            with at(f"classes[{index}]"):
                created = field_services.create_class(self.session, self.site_id, **item)
            self._keep("class", created.name, created.id)

    def titles(self) -> None:
        for index, item in enumerate(self.doc["titles"]):
            with at(f"titles[{index}]"):
                title = field_services.create_title(
                    self.session, self.site_id, name=item["name"], elements=item["elements"],
                    class_ids=[self._id("class", name) for name in item["classes"]],
                )
            self._keep("title", title.name, title.id)

    def schedules(self) -> None:
        for index, item in enumerate(self.doc["schedules"]):
            kind = ScheduleKind(item["kind"])
            if kind is ScheduleKind.WEEKLY:
                days = {WEEKDAYS.index(key) + 1: value for key, value in item["days"].items()}
                cycle = 7
            else:
                days = {int(key): value for key, value in item["days"].items()}
                cycle = item.get("cycle_days", 1)
            with at(f"schedules[{index}]"):
                schedule = schedule_services.create_schedule(
                    self.session, self.site_id, name=item["name"], kind=kind, days=days,
                    cycle_days=cycle,
                )
            self._keep("schedule", schedule.name, schedule.id)

    def holiday_lists(self) -> None:
        for index, item in enumerate(self.doc["holiday_lists"]):
            with at(f"holiday_lists[{index}]"):
                holidays = schedule_services.create_holiday_list(
                    self.session, self.site_id, name=item["name"])
            for position, holiday in enumerate(item["holidays"]):
                with at(f"holiday_lists[{index}].holidays[{position}]"):
                    schedule_services.add_holiday(
                        self.session, holidays.id, holiday["day"], holiday["name"])
            self._keep("holiday list", holidays.name, holidays.id)

    def rooms(self) -> None:
        for index, item in enumerate(self.doc["rooms"]):
            with at(f"rooms[{index}]"):
                room = access_services.create_room(self.session, self.site_id, **item)
            self._keep("room", room.name, room.id)

    def doors(self) -> None:
        for index, item in enumerate(self.doc["doors"]):
            with at(f"doors[{index}]"):
                door = access_services.create_door(
                    self.session, self.site_id, name=item["name"],
                    from_room_id=self._opt("room", item["from_room"]),
                    to_room_id=self._opt("room", item["to_room"]),
                )
                for point in door.access_points:
                    wanted = item["entry_name" if point.direction is Direction.ENTRY
                                  else "exit_name"]
                    if wanted is not None and wanted != point.name:
                        access_services.rename_access_point(self.session, point.id, wanted)
                    self._keep("point", (door.name, point.direction.value), point.id)

    def _point(self, ref: dict[str, Any]) -> int:
        return self._id("point", (ref["door"], ref["direction"]))

    def point_groups(self) -> None:
        groups = self.doc["access_point_groups"]
        for index, item in enumerate(groups):
            with at(f"access_point_groups[{index}]"):
                group = access_services.create_point_group(
                    self.session, self.site_id, name=item["name"])
            self._keep("point group", group.name, group.id)
        for index, item in enumerate(groups):
            for position, member in enumerate(item["members"]):
                with at(f"access_point_groups[{index}].members[{position}]"):
                    access_services.add_to_point_group(
                        self.session, self._id("point group", item["name"]),
                        point_id=None if member["door"] is None else self._point(member),
                        child_group_id=self._opt("point group", member["group"]),
                    )

    def controllers(self) -> None:
        for index, item in enumerate(self.doc["controllers"]):
            fields = {k: v for k, v in item.items() if k != "readers"}
            with at(f"controllers[{index}]"):
                controller = controller_services.create_controller(
                    self.session, self.site_id, **fields)
            for position, reader in enumerate(item["readers"]):
                with at(f"controllers[{index}].readers[{position}]"):
                    controller_services.add_reader(
                        self.session, controller.id, reader_no=reader["reader_no"],
                        access_point_id=self._point(reader),
                        requires_pin=reader["requires_pin"], name=reader["name"],
                    )

    def policies(self) -> None:
        for index, item in enumerate(self.doc["policies"]):
            with at(f"policies[{index}]"):
                policy = policy_services.create_policy(
                    self.session, self.site_id, name=item["name"], notes=item["notes"])
            self._keep("policy", policy.name, policy.id)
            for position, rule in enumerate(item["rules"]):
                with at(f"policies[{index}].rules[{position}]"):
                    policy_services.add_rule(
                        self.session, policy.id,
                        schedule_id=self._id("schedule", rule["schedule"]),
                        access_point_id=None if rule["door"] is None else self._point(rule),
                        access_point_group_id=self._opt(
                            "point group", rule["access_point_group"]),
                        start_date=rule["start_date"],
                        holiday_list_id=self._opt("holiday list", rule["holiday_list"]),
                        holiday_schedule_id=self._opt("schedule", rule["holiday_schedule"]),
                    )

    def groups(self) -> None:
        for where, path, item in group_paths(self.doc):
            with at(where):
                group = group_services.create_group(
                    self.session, self.site_id, name=item["name"],
                    parent_id=self._opt("group", path[:-1] or None),
                    policy_id=self._opt("policy", item["policy"]),
                    is_company=item["company"], notes=item["notes"],
                )
            self._keep("group", path, group.id)
            for index, badge in enumerate(item["badges"]):
                self.badge(f"{where}.badges[{index}]", badge, group_id=group.id)

    def persons(self) -> None:
        for index, item in enumerate(self.doc["persons"]):
            where = f"persons[{index}]"
            with at(where):
                person = person_services.create_person(
                    self.session, self.site_id, surname=item["surname"], name=item["name"],
                    class_id=self._id("class", item["person_class"]),
                    group_id=self._id("group", tuple(item["group"])),
                    personal_number=item["personal_number"],
                    external_code=item["external_code"], free_field=item["free_field"],
                    notes=item["notes"], main_policy_id=self._opt("policy", item["main_policy"]),
                )
                if item["created_at"] is not None:
                    # A restore keeps the record's original creation date.
                    person.created_at = item["created_at"]
                for title, value in item["titles"].items():
                    person_services.set_title_value(
                        self.session, person.id, self._id("title", title), value)
                for location in item["locations"]:
                    person_services.add_location(
                        self.session, person.id, name=location["name"],
                        room_id=self._opt("room", location["room"]), phone=location["phone"],
                        notes=location["notes"],
                    )
                for grant in item["additional_policies"]:
                    policy_services.add_person_policy(
                        self.session, person.id, self._id("policy", grant["policy"]),
                        valid_from=grant["valid_from"], valid_to=grant["valid_to"],
                    )
                self.photo(where, person.id, item)
            for position, badge in enumerate(item["badges"]):
                self.badge(f"{where}.badges[{position}]", badge, person_id=person.id)

    def photo(self, where: str, person_id: int, item: dict[str, Any]) -> None:
        if item["photo"] is not None:
            try:
                data = base64.b64decode(item["photo"]["data"], validate=True)
            except (binascii.Error, ValueError) as err:
                raise TransferError([f"{where}.photo.data: not valid base64"]) from err
            person_services.set_photo(self.session, person_id, data, item["photo"]["media_type"])
        if item["photo_ref"] is not None:
            person_services.set_photo_ref(self.session, person_id, item["photo_ref"])

    def badge(
        self, where: str, item: dict[str, Any], *, person_id: int | None = None,
        group_id: int | None = None,
    ) -> None:
        with at(where):
            badge = badge_services.register_badge(
                self.session, self.site_id, item["card"], label=item["label"], actor=ACTOR)
            badge_services.issue_badge(
                self.session, badge.id, valid_from=item["valid_from"],
                valid_to=item["valid_to"], actor=ACTOR, person_id=person_id, group_id=group_id,
            )

    def pool(self) -> None:
        for index, item in enumerate(self.doc["pool"]):
            with at(f"pool[{index}]"):
                badge = badge_services.register_badge(
                    self.session, self.site_id, item["card"], label=item["label"], actor=ACTOR)
            if item["state"] == BadgeState.WITHDRAWN.value:
                # The card was in use before: it stays marked as returned to the pool.
                badge.state = BadgeState.WITHDRAWN
        self.session.flush()


def import_site(session: Session, raw: object) -> Site:
    """Validate ``raw`` (a parsed JSON document) and create its site in ``session``.

    All or nothing: the work runs in a SAVEPOINT, so on any error (TransferError, listing
    every problem with its path) none of it stays in the session. The caller commits.
    """
    doc = load_document(raw)
    problems = check_references(doc)
    if problems:
        raise TransferError(problems)
    with session.begin_nested():
        return Importer(session, doc).run()
