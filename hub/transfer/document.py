"""The shape of a site document (format 1), checked before anything is imported.

Every problem is reported with its path in the document, e.g.
``persons[3].badges[0].card: ...``. This module checks structure and values; whether the
names a document refers to exist is checked by hub/transfer/references.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

from hub.access.models import READER_ID_MAX, ControllerKind, Direction
from hub.people.models import EXTERNAL_CODE_MAX, BadgeType
from hub.schedules.models import ScheduleKind
from hub.transfer.errors import TransferError
from protocols import cardtext
from protocols.portable.errors import ProtocolError

FORMAT = 1
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
INTERVAL = validate.Regexp(r"^\d{2}:\d{2}-\d{2}:\d{2}$", error="write intervals as '09:00-18:00'")
BADGE_POOL_STATES = ("unused", "withdrawn")


def _name(max_length: int = 200) -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1, max=max_length))


def _text(max_length: int | None = None) -> fields.String:
    return fields.String(load_default="", validate=validate.Length(max=max_length))


def _optional(field: fields.Field[Any]) -> fields.Field[Any]:
    field.required = False
    field.allow_none = True
    field.load_default = None
    return field


def _card(value: str) -> None:
    try:
        cardtext.parse(value)
    except ProtocolError as err:
        raise ValidationError(str(err)) from err


class SiteSchema(Schema):
    code = _name(32)
    name = _name()
    time_zone = _name(64)


class ClassSchema(Schema):
    name = _name(100)
    badge_type = fields.String(required=True, validate=validate.OneOf([t.value for t in BadgeType]))


class TitleSchema(Schema):
    name = _name(100)
    classes = fields.List(_name(100), load_default=list)
    elements = fields.List(_name(), load_default=list)


class ScheduleSchema(Schema):
    name = _name()
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in ScheduleKind]))
    cycle_days = fields.Integer(strict=True, validate=validate.Range(min=1, max=1000))
    days = fields.Dict(
        keys=fields.String(), values=fields.List(fields.String(validate=INTERVAL)),
        load_default=dict,
    )

    @validates_schema
    def _days_fit_kind(self, data: dict[str, Any], **_: Any) -> None:
        kind, days = data.get("kind"), data.get("days", {})
        if kind == ScheduleKind.WEEKLY.value:
            allowed = set(WEEKDAYS)
            hint = "weekly days are mon, tue, wed, thu, fri, sat, sun"
        else:
            count = 1 if kind == ScheduleKind.HOLIDAY.value else data.get("cycle_days", 0)
            allowed = {str(n) for n in range(1, count + 1)}
            hint = f"days of this schedule are numbered 1 to {count}"
        for key in days:
            if key not in allowed:
                raise ValidationError(f"{key!r}: {hint}", "days")
        if kind == ScheduleKind.CYCLIC.value and "cycle_days" not in data:
            raise ValidationError("a cyclic schedule needs its number of days", "cycle_days")
        if kind != ScheduleKind.CYCLIC.value and "cycle_days" in data:
            raise ValidationError("only cyclic schedules have cycle_days", "cycle_days")


class HolidaySchema(Schema):
    day = fields.Date(required=True)
    name = _text(200)


class HolidayListSchema(Schema):
    name = _name()
    holidays = fields.List(fields.Nested(HolidaySchema), load_default=list)


class RoomSchema(Schema):
    name = _name()
    notes = _text()


class DoorSchema(Schema):
    name = _name()
    from_room = _optional(_name())
    to_room = _optional(_name())
    # Names of the door's two access points (default: "<door> (entry)", "<door> (exit)").
    entry_name = _optional(_name())
    exit_name = _optional(_name())


class PointRefSchema(Schema):
    """An access point by its door and direction."""

    door = _name()
    direction = fields.String(required=True, validate=validate.OneOf([d.value for d in Direction]))


class MemberSchema(Schema):
    """A member of an access point group: an access point, or another group by name."""

    door = _optional(_name())
    direction = _optional(fields.String(validate=validate.OneOf([d.value for d in Direction])))
    group = _optional(_name())

    @validates_schema
    def _one(self, data: dict[str, Any], **_: Any) -> None:
        point = data.get("door") is not None or data.get("direction") is not None
        if point == (data.get("group") is not None):
            raise ValidationError("give either door and direction, or group")
        if point and (data.get("door") is None or data.get("direction") is None):
            raise ValidationError("an access point needs both door and direction")


class PointGroupSchema(Schema):
    name = _name()
    members = fields.List(fields.Nested(MemberSchema), load_default=list)


class ReaderSchema(PointRefSchema):
    reader_no = fields.Integer(required=True, strict=True,
                               validate=validate.Range(min=0, max=READER_ID_MAX))
    requires_pin = fields.Boolean(load_default=False)
    name = _text(200)


class ControllerSchema(Schema):
    code = _name(64)
    name = _name()
    kind = fields.String(load_default=ControllerKind.CONTROLLER.value,
                         validate=validate.OneOf([k.value for k in ControllerKind]))
    enabled = fields.Boolean(load_default=True)
    notes = _text()
    readers = fields.List(fields.Nested(ReaderSchema), load_default=list)


class RuleSchema(Schema):
    """A row: an access point (door + direction) or an access point group, and a schedule."""

    door = _optional(_name())
    direction = _optional(fields.String(validate=validate.OneOf([d.value for d in Direction])))
    access_point_group = _optional(_name())
    schedule = _name()
    start_date = _optional(fields.Date())
    holiday_list = _optional(_name())
    holiday_schedule = _optional(_name())

    @validates_schema
    def _one_target(self, data: dict[str, Any], **_: Any) -> None:
        point = data.get("door") is not None or data.get("direction") is not None
        if point == (data.get("access_point_group") is not None):
            raise ValidationError("give either door and direction, or access_point_group")
        if point and (data.get("door") is None or data.get("direction") is None):
            raise ValidationError("an access point needs both door and direction")


class PolicySchema(Schema):
    name = _name()
    notes = _text()
    rules = fields.List(fields.Nested(RuleSchema), load_default=list)


class HeldBadgeSchema(Schema):
    """A card issued to a person or a group."""

    card = fields.String(required=True, validate=_card)
    label = _text(100)
    valid_from = _optional(fields.AwareDateTime())
    valid_to = _optional(fields.AwareDateTime())


class PoolBadgeSchema(Schema):
    """A card in the pool of unused cards."""

    card = fields.String(required=True, validate=_card)
    label = _text(100)
    state = fields.String(load_default="unused", validate=validate.OneOf(BADGE_POOL_STATES))


class GroupSchema(Schema):
    name = _name()
    company = fields.Boolean(load_default=False)
    policy = _optional(_name())
    notes = _text()
    badges = fields.List(fields.Nested(HeldBadgeSchema), load_default=list)
    groups = fields.List(
        fields.Nested(lambda: GroupSchema()), load_default=list  # noqa: PLW0108 - not defined yet
    )


class GrantSchema(Schema):
    policy = _name()
    valid_from = _optional(fields.Date())
    valid_to = _optional(fields.Date())


class LocationSchema(Schema):
    name = _name()
    room = _optional(_name())
    phone = _text(50)
    notes = _text()


class PhotoSchema(Schema):
    media_type = _name(64)
    data = fields.String(required=True, metadata={"description": "base64"})


class PersonSchema(Schema):
    surname = _name(100)
    name = _name(100)
    person_class = fields.String(data_key="class", required=True,
                                 validate=validate.Length(min=1, max=100))
    personal_number = _optional(fields.String(validate=validate.Length(min=1, max=32)))
    external_code = _optional(
        fields.String(validate=validate.Length(min=1, max=EXTERNAL_CODE_MAX)))
    free_field = _text(200)
    notes = _text()
    created_at = _optional(fields.AwareDateTime())
    group = fields.List(_name(), required=True, validate=validate.Length(min=1))
    main_policy = _optional(_name())
    additional_policies = fields.List(fields.Nested(GrantSchema), load_default=list)
    titles = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    locations = fields.List(fields.Nested(LocationSchema), load_default=list)
    photo = _optional(fields.Nested(PhotoSchema))
    photo_ref = _optional(fields.String(validate=validate.Length(min=1, max=500)))
    badges = fields.List(fields.Nested(HeldBadgeSchema), load_default=list)


class DocumentSchema(Schema):
    format = fields.Integer(required=True, strict=True)
    site = fields.Nested(SiteSchema, required=True)
    classes = fields.List(fields.Nested(ClassSchema), load_default=list)
    titles = fields.List(fields.Nested(TitleSchema), load_default=list)
    schedules = fields.List(fields.Nested(ScheduleSchema), load_default=list)
    holiday_lists = fields.List(fields.Nested(HolidayListSchema), load_default=list)
    rooms = fields.List(fields.Nested(RoomSchema), load_default=list)
    doors = fields.List(fields.Nested(DoorSchema), load_default=list)
    access_point_groups = fields.List(fields.Nested(PointGroupSchema), load_default=list)
    controllers = fields.List(fields.Nested(ControllerSchema), load_default=list)
    policies = fields.List(fields.Nested(PolicySchema), load_default=list)
    groups = fields.List(fields.Nested(GroupSchema), load_default=list)
    persons = fields.List(fields.Nested(PersonSchema), load_default=list)
    pool = fields.List(fields.Nested(PoolBadgeSchema), load_default=list)

    @validates_schema
    def _known_format(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("format") != FORMAT:
            raise ValidationError(
                f"this hub reads site documents of format {FORMAT}, got {data.get('format')!r}",
                "format",
            )


def flatten(messages: Any, path: str = "") -> list[str]:
    """Marshmallow's nested error messages as ``"a[3].b: message"`` lines."""
    if isinstance(messages, Mapping):
        lines: list[str] = []
        for key, value in messages.items():
            if key == "_schema":
                where = path
            elif isinstance(key, int):
                where = f"{path}[{key}]"
            else:
                where = f"{path}.{key}" if path else str(key)
            lines.extend(flatten(value, where))
        return lines
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [f"{path or '(document)'}: {message}" for message in messages]
    if isinstance(messages, list):
        return [line for item in messages for line in flatten(item, path)]
    return [f"{path or '(document)'}: {messages}"]


def load_document(raw: object) -> dict[str, Any]:
    """The validated document, or TransferError listing every problem with its path."""
    if not isinstance(raw, Mapping):
        raise TransferError([f"(document): expected a JSON object, got {type(raw).__name__}"])
    try:
        loaded: dict[str, Any] = DocumentSchema().load(raw)
    except ValidationError as err:
        raise TransferError(flatten(err.messages)) from err
    return loaded
