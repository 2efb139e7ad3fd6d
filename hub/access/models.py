"""Where people pass: rooms, doors, access points and the hardware that guards them.

A door leads from one room to another (None is outside the site). Entry (from -> to) and
exit (to -> from) through one door are two access points, so they can have different
schedules. Access point groups nest. A controller has reader heads (a concentrator has
several); each reader serves one access point.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base
from hub.dbtypes import EnumText, enum_check

READER_ID_MAX = 0xFFFF  # reader ids are 16-bit in compiled lists


class Direction(StrEnum):
    """Which way an access point lets a person through its door."""

    ENTRY = "entry"  # from the door's from_room into its to_room
    EXIT = "exit"  # from to_room back to from_room


class ControllerKind(StrEnum):
    """A single-door controller, or a concentrator with several reader heads."""

    CONTROLLER = "controller"
    CONCENTRATOR = "concentrator"


class Room(Base):
    """A room or area of the site (hall, workshop, office)."""

    __tablename__ = "rooms"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")


class Door(Base):
    """A door (or turnstile, gate) leading from one room to another; None is outside."""

    __tablename__ = "doors"
    __table_args__ = (
        UniqueConstraint("site_id", "name"),
        CheckConstraint(
            "from_room_id IS NULL OR to_room_id IS NULL OR from_room_id <> to_room_id",
            name="two_rooms",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    from_room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id"))
    to_room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id"))

    from_room: Mapped[Room | None] = relationship(foreign_keys=[from_room_id])
    to_room: Mapped[Room | None] = relationship(foreign_keys=[to_room_id])
    access_points: Mapped[list[AccessPoint]] = relationship(
        back_populates="door", order_by="AccessPoint.id"
    )


class AccessPoint(Base):
    """One door in one direction: what access rules and readers refer to."""

    __tablename__ = "access_points"
    __table_args__ = (
        UniqueConstraint("door_id", "direction"),
        CheckConstraint(enum_check("direction", Direction), name="direction_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    door_id: Mapped[int] = mapped_column(ForeignKey("doors.id"))
    direction: Mapped[Direction] = mapped_column(EnumText(Direction))
    name: Mapped[str] = mapped_column(String(200))

    door: Mapped[Door] = relationship(back_populates="access_points")


class AccessPointGroup(Base):
    """A named set of access points and of other groups (nesting to any depth, no cycles)."""

    __tablename__ = "access_point_groups"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))

    members: Mapped[list[AccessPointGroupMember]] = relationship(
        cascade="all, delete-orphan",
        foreign_keys="AccessPointGroupMember.group_id",
        order_by="AccessPointGroupMember.id",
    )


class AccessPointGroupMember(Base):
    """One member of a group: an access point or a nested group."""

    __tablename__ = "access_point_group_members"
    __table_args__ = (
        CheckConstraint("(access_point_id IS NULL) <> (child_group_id IS NULL)", name="one_member"),
        CheckConstraint("child_group_id IS NULL OR child_group_id <> group_id", name="not_self"),
        UniqueConstraint("group_id", "access_point_id"),
        UniqueConstraint("group_id", "child_group_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("access_point_groups.id", ondelete="CASCADE"), index=True
    )
    access_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("access_points.id", ondelete="CASCADE")
    )
    child_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("access_point_groups.id", ondelete="CASCADE")
    )


class Controller(Base):
    """A door controller or concentrator: the unit a compiled access list is made for."""

    __tablename__ = "controllers"
    __table_args__ = (
        UniqueConstraint("site_id", "code"),
        CheckConstraint(enum_check("kind", ControllerKind), name="kind_known"),
        CheckConstraint("length(code) >= 1", name="code_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    # Segment of its MQTT topics: <prefix>/v1/<site code>/<controller code>/...
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ControllerKind] = mapped_column(
        EnumText(ControllerKind), default=ControllerKind.CONTROLLER
    )
    # A disabled controller gets no lists ("controller disabled" on card activation).
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str] = mapped_column(Text, default="")

    readers: Mapped[list[Reader]] = relationship(
        back_populates="controller", cascade="all, delete-orphan", order_by="Reader.reader_no"
    )


class Reader(Base):
    """A reader head of a controller; it serves exactly one access point, and an access
    point has at most one reader (an access point without one is not installed yet)."""

    __tablename__ = "readers"
    __table_args__ = (
        UniqueConstraint("controller_id", "reader_no"),
        # One reader per access point: an access point is what a reader decides for.
        UniqueConstraint("access_point_id"),
        CheckConstraint(f"reader_no BETWEEN 0 AND {READER_ID_MAX}", name="reader_no_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    controller_id: Mapped[int] = mapped_column(
        ForeignKey("controllers.id", ondelete="CASCADE"), index=True
    )
    # The reader id in the controller's compiled list (0..65535).
    reader_no: Mapped[int] = mapped_column(Integer)
    access_point_id: Mapped[int] = mapped_column(ForeignKey("access_points.id"), index=True)
    # Card + PIN on this reader (READER_PIN in the compiled list).
    requires_pin: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(200), default="")

    controller: Mapped[Controller] = relationship(back_populates="readers")
    access_point: Mapped[AccessPoint] = relationship()
