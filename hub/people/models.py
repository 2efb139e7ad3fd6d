"""Persons and the personnel hierarchy (SPEC.md sections 1 and 3)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from hub.db import Base
from hub.dbtypes import EnumText, UTCDateTime, enum_check

EXTERNAL_CODE_MAX = 20


class BadgeType(StrEnum):
    """What kind of badge a class of persons carries; decides which fields apply."""

    EMPLOYEE = "employee"
    VISITOR = "visitor"


class Group(Base):
    """A node of the personnel tree: company, department, workshop, team, any depth.

    A group either has its own access policy or (``policy_id`` None, "use department
    access") its parent's; a root group without a policy gives no access.
    """

    __tablename__ = "person_groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("person_groups.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # A company (as opposed to a department): a person's company is the nearest such ancestor.
    is_company: Mapped[bool] = mapped_column(Boolean, default=False)
    # None: the parent's access (the default for sub-groups).
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("access_policies.id"), index=True)
    notes: Mapped[str] = mapped_column(Text, default="")

    parent: Mapped[Group | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Group]] = relationship(back_populates="parent")

    def __repr__(self) -> str:
        return f"Group(id={self.id!r}, name={self.name!r}, parent_id={self.parent_id!r})"


class PersonClass(Base):
    """A class of persons: employee and visitor are built in, sites may add more."""

    __tablename__ = "person_classes"
    __table_args__ = (
        UniqueConstraint("site_id", "name"),
        CheckConstraint(enum_check("badge_type", BadgeType), name="badge_type_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    badge_type: Mapped[BadgeType] = mapped_column(EnumText(BadgeType))
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)


class Title(Base):
    """A custom field ("title") whose values are chosen from its elements."""

    __tablename__ = "titles"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))

    elements: Mapped[list[TitleElement]] = relationship(
        back_populates="title", cascade="all, delete-orphan", order_by="TitleElement.id"
    )
    classes: Mapped[list[PersonClass]] = relationship(secondary="title_classes")


class TitleClass(Base):
    """Which classes show a title: custom fields are configured per class."""

    __tablename__ = "title_classes"

    title_id: Mapped[int] = mapped_column(
        ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True
    )
    class_id: Mapped[int] = mapped_column(
        ForeignKey("person_classes.id", ondelete="CASCADE"), primary_key=True
    )


class TitleElement(Base):
    """One allowed value of a title."""

    __tablename__ = "title_elements"
    __table_args__ = (
        UniqueConstraint("title_id", "value"),
        # Target of person_titles' composite key: an element can only fill its own title.
        UniqueConstraint("title_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"))
    value: Mapped[str] = mapped_column(String(200))

    title: Mapped[Title] = relationship(back_populates="elements")


class Person(Base):
    """A person record with every field of SPEC.md section 3."""

    __tablename__ = "persons"
    __table_args__ = (
        UniqueConstraint("site_id", "personal_number"),
        CheckConstraint(
            f"external_code IS NULL OR length(external_code) <= {EXTERNAL_CODE_MAX}",
            name="external_code_length",
        ),
        CheckConstraint("NOT (photo IS NOT NULL AND photo_ref IS NOT NULL)", name="one_photo"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    surname: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    class_id: Mapped[int] = mapped_column(ForeignKey("person_classes.id"), index=True)
    # Unique within the site; visitors may have none.
    personal_number: Mapped[str | None] = mapped_column(String(32))
    # Only for classes whose badge type is employee (checked by the services).
    external_code: Mapped[str | None] = mapped_column(String(EXTERNAL_CODE_MAX))
    free_field: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # Set by the database when the row is inserted; read-only afterwards (see services).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    # The department (every person has one); the company is the nearest ancestor group
    # marked is_company.
    group_id: Mapped[int] = mapped_column(ForeignKey("person_groups.id"), index=True)
    # A photo is either stored here (bytes) or referenced (a path or URL of a file store).
    photo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    photo_media_type: Mapped[str | None] = mapped_column(String(64))
    photo_ref: Mapped[str | None] = mapped_column(String(500))
    # Main policy: None (the default) is the group's access; else an individual policy.
    main_policy_id: Mapped[int | None] = mapped_column(ForeignKey("access_policies.id"))

    person_class: Mapped[PersonClass] = relationship()
    group: Mapped[Group] = relationship()
    titles: Mapped[list[PersonTitle]] = relationship(cascade="all, delete-orphan")
    locations: Mapped[list[Location]] = relationship(
        cascade="all, delete-orphan", order_by="Location.id"
    )

    def __repr__(self) -> str:
        # No names in reprs: they end up in logs.
        return f"Person(id={self.id!r}, personal_number={self.personal_number!r})"


class PersonTitle(Base):
    """A person's value for one title: an element of that very title."""

    __tablename__ = "person_titles"
    __table_args__ = (
        ForeignKeyConstraint(
            ["title_id", "element_id"], ["title_elements.title_id", "title_elements.id"]
        ),
    )

    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id"), primary_key=True)
    element_id: Mapped[int] = mapped_column(Integer)

    element: Mapped[TitleElement] = relationship(viewonly=True)


class Location(Base):
    """Where a person can be found: a workstation, optionally in a room of the site."""

    __tablename__ = "person_locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id"))
    phone: Mapped[str] = mapped_column(String(50), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
