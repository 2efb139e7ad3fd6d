"""Rights of hub users as data (SPEC.md section 7; seed manuals 001 and 003).

* :class:`UserRights`: a user's view scope, edit scope (or custom right) and privacy
  restrictions; :class:`UserModule`: the administrator modules granted one by one.
* :class:`CustomRight`: a named set of departments and persons, optionally view-only,
  absences-only or shifts-only ("Práva editace" of manual 001).
* :class:`RightsSettings`: the company settings that ban editing one's own attendance.
* :class:`RightsChange`: the rights history: a full snapshot after every change.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base
from hub.dbtypes import EnumText, UTCDateTime, enum_check


class ViewScope(StrEnum):
    """Whose data a user sees."""

    SELF = "self"
    DEPARTMENT = "department"  # the user's own group
    SUBTREE = "subtree"  # the user's group and every group below it
    ALL = "all"


class EditScope(StrEnum):
    """Whose attendance a user edits."""

    NONE = "none"
    SELF = "self"
    DEPARTMENT = "department"
    SUBORDINATES = "subordinates"  # own group and every group below it
    ALL = "all"
    HR = "hr"  # all, plus the personnel modules (persons, hierarchy, holidays)
    CUSTOM = "custom"  # the departments and persons of the user's custom right


class CustomKind(StrEnum):
    """What a custom right lets its holder edit."""

    ALL = "all"  # times, absences and shifts
    ABSENCES = "absences"  # only absences (whole-day absences, interruption codes)
    SHIFTS = "shifts"  # only shift planning


class Module(StrEnum):
    """Administrator modules, granted one by one (users and rights stay the
    administrator's own: a user who could grant rights could grant himself all)."""

    HIERARCHY = "hierarchy"  # the tree of groups
    PERSONS = "persons"  # person records, classes, custom fields
    BADGES = "badges"  # register, issue, withdraw, activate cards
    ACCESS = "access"  # rooms, doors, access points and their groups
    CONTROLLERS = "controllers"  # controllers, readers, keys, door commands, alarms
    SCHEDULES = "schedules"
    HOLIDAYS = "holidays"
    POLICIES = "policies"  # access policies (the access tables)
    SITES = "sites"  # create sites, rename them, change their time zone
    AUDIT = "audit"  # the login history


class UserRights(Base):
    """One user's rights (the administrator needs none: he has every right)."""

    __tablename__ = "user_rights"
    __table_args__ = (
        CheckConstraint(enum_check("view_scope", ViewScope), name="view_scope_known"),
        CheckConstraint(enum_check("edit_scope", EditScope), name="edit_scope_known"),
        CheckConstraint(
            "(edit_scope = 'custom') = (custom_right_id IS NOT NULL)", name="custom_iff_right"
        ),
        CheckConstraint(
            "NOT (policies_only AND additional_policies_only)", name="one_policy_restriction"
        ),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    view_scope: Mapped[ViewScope] = mapped_column(EnumText(ViewScope), default=ViewScope.SELF)
    edit_scope: Mapped[EditScope] = mapped_column(EnumText(EditScope), default=EditScope.NONE)
    custom_right_id: Mapped[int | None] = mapped_column(
        ForeignKey("custom_rights.id"), index=True
    )
    # Privacy rights of manual 003 (restrictions of the persons module's right to edit):
    # edit only a person's policies (main and additional) ...
    policies_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # ... or only the additional policies ...
    additional_policies_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # ... and see only the main data (surname, name, class, number, policies).
    main_data_only: Mapped[bool] = mapped_column(Boolean, default=False)


class UserModule(Base):
    """One administrator module granted to a user."""

    __tablename__ = "user_modules"
    __table_args__ = (CheckConstraint(enum_check("module", Module), name="module_known"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    module: Mapped[Module] = mapped_column(EnumText(Module), primary_key=True)


class CustomRight(Base):
    """A named set of departments and persons whose attendance its holders edit (or only
    view, or only plan shifts for, or only enter absences for)."""

    __tablename__ = "custom_rights"
    __table_args__ = (CheckConstraint(enum_check("kind", CustomKind), name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # True: the right only shows the named people ("Bez editace"), it edits nothing.
    view_only: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[CustomKind] = mapped_column(EnumText(CustomKind), default=CustomKind.ALL)

    groups: Mapped[list[CustomRightGroup]] = relationship(
        cascade="all, delete-orphan", order_by="CustomRightGroup.group_id"
    )
    persons: Mapped[list[CustomRightPerson]] = relationship(
        cascade="all, delete-orphan", order_by="CustomRightPerson.person_id"
    )


class CustomRightGroup(Base):
    """A department named in a custom right (just that group, not the groups below it)."""

    __tablename__ = "custom_right_groups"

    right_id: Mapped[int] = mapped_column(
        ForeignKey("custom_rights.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(
        ForeignKey("person_groups.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CustomRightPerson(Base):
    """A person named in a custom right (naming a holder overrides the self-edit bans)."""

    __tablename__ = "custom_right_persons"

    right_id: Mapped[int] = mapped_column(
        ForeignKey("custom_rights.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class RightsSettings(Base):
    """Company settings about rights: one row (id 1), created with defaults on first use."""

    __tablename__ = "rights_settings"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # "A manager with department edit rights may not edit his own attendance."
    ban_own_edit_department: Mapped[bool] = mapped_column(Boolean, default=False)
    # The same for editors of everybody (all, HR).
    ban_own_edit_all: Mapped[bool] = mapped_column(Boolean, default=False)


class RightsChange(Base):
    """The rights history (SPEC.md section 8): after every change of a user's rights, a
    full JSON snapshot of them; ``revoked`` lists what the change took away."""

    __tablename__ = "rights_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(64), default="")
    snapshot: Mapped[str] = mapped_column(Text)
    revoked: Mapped[str] = mapped_column(Text, default="")
