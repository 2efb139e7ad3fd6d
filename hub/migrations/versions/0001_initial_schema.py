"""Initial schema: every table of the hub model, and the guards that keep badges forever.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 09:19:29.065521
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint("length(code) >= 1", name=op.f("ck_sites_code_not_empty")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
        sa.UniqueConstraint("code", name=op.f("uq_sites_code")),
    )
    op.create_table(
        "access_point_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_access_point_groups_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_point_groups")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_access_point_groups_site_id_name")),
    )
    op.create_table(
        "access_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_access_policies_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_policies")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_access_policies_site_id_name")),
    )
    with op.batch_alter_table("access_policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_policies_site_id"), ["site_id"], unique=False)

    op.create_table(
        "controllers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('controller', 'concentrator')", name=op.f("ck_controllers_kind_known")
        ),
        sa.CheckConstraint("length(code) >= 1", name=op.f("ck_controllers_code_not_empty")),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_controllers_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_controllers")),
        sa.UniqueConstraint("site_id", "code", name=op.f("uq_controllers_site_id_code")),
    )
    with op.batch_alter_table("controllers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_controllers_site_id"), ["site_id"], unique=False)

    op.create_table(
        "holiday_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_holiday_lists_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holiday_lists")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_holiday_lists_site_id_name")),
    )
    with op.batch_alter_table("holiday_lists", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_holiday_lists_site_id"), ["site_id"], unique=False)

    op.create_table(
        "person_classes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("badge_type", sa.String(length=16), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "badge_type IN ('employee', 'visitor')", name=op.f("ck_person_classes_badge_type_known")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_person_classes_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_classes")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_person_classes_site_id_name")),
    )
    op.create_table(
        "rooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_rooms_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rooms")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_rooms_site_id_name")),
    )
    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("cycle_days", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'weekly' AND cycle_days = 7) OR (kind = 'holiday' AND cycle_days = 1) "
            "OR (kind = 'cyclic' AND cycle_days >= 1)",
            name=op.f("ck_schedules_cycle_fits_kind"),
        ),
        sa.CheckConstraint(
            "kind IN ('weekly', 'cyclic', 'holiday')", name=op.f("ck_schedules_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_schedules_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_schedules_site_id_name")),
    )
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schedules_site_id"), ["site_id"], unique=False)

    op.create_table(
        "titles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_titles_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_titles")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_titles_site_id_name")),
    )
    op.create_table(
        "doors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("from_room_id", sa.Integer(), nullable=True),
        sa.Column("to_room_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "from_room_id IS NULL OR to_room_id IS NULL OR from_room_id <> to_room_id",
            name=op.f("ck_doors_two_rooms"),
        ),
        sa.ForeignKeyConstraint(
            ["from_room_id"], ["rooms.id"], name=op.f("fk_doors_from_room_id_rooms")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_doors_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["to_room_id"], ["rooms.id"], name=op.f("fk_doors_to_room_id_rooms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_doors")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_doors_site_id_name")),
    )
    op.create_table(
        "holidays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["holiday_lists.id"],
            name=op.f("fk_holidays_list_id_holiday_lists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holidays")),
        sa.UniqueConstraint("list_id", "day", name=op.f("uq_holidays_list_id_day")),
    )
    op.create_table(
        "person_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_company", sa.Boolean(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["person_groups.id"],
            name=op.f("fk_person_groups_parent_id_person_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["access_policies.id"],
            name=op.f("fk_person_groups_policy_id_access_policies"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_person_groups_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_groups")),
    )
    with op.batch_alter_table("person_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_groups_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_groups_policy_id"), ["policy_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_groups_site_id"), ["site_id"], unique=False)

    op.create_table(
        "schedule_intervals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.CheckConstraint("day >= 1", name=op.f("ck_schedule_intervals_day_positive")),
        sa.CheckConstraint(
            "start_minute >= 0 AND start_minute < 1440 AND end_minute >= 0 "
            "AND end_minute <= 1440 AND end_minute <> start_minute",
            name=op.f("ck_schedule_intervals_minutes_in_day"),
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedules.id"],
            name=op.f("fk_schedule_intervals_schedule_id_schedules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_intervals")),
    )
    with op.batch_alter_table("schedule_intervals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_schedule_intervals_schedule_id"), ["schedule_id"], unique=False
        )

    op.create_table(
        "title_classes",
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["person_classes.id"],
            name=op.f("fk_title_classes_class_id_person_classes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name=op.f("fk_title_classes_title_id_titles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("title_id", "class_id", name=op.f("pk_title_classes")),
    )
    op.create_table(
        "title_elements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name=op.f("fk_title_elements_title_id_titles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_title_elements")),
        sa.UniqueConstraint("title_id", "id", name=op.f("uq_title_elements_title_id_id")),
        sa.UniqueConstraint("title_id", "value", name=op.f("uq_title_elements_title_id_value")),
    )
    op.create_table(
        "access_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("door_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "direction IN ('entry', 'exit')", name=op.f("ck_access_points_direction_known")
        ),
        sa.ForeignKeyConstraint(
            ["door_id"], ["doors.id"], name=op.f("fk_access_points_door_id_doors")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_access_points_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_points")),
        sa.UniqueConstraint(
            "door_id", "direction", name=op.f("uq_access_points_door_id_direction")
        ),
    )
    with op.batch_alter_table("access_points", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_points_site_id"), ["site_id"], unique=False)

    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("surname", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("personal_number", sa.String(length=32), nullable=True),
        sa.Column("external_code", sa.String(length=20), nullable=True),
        sa.Column("free_field", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("photo", sa.LargeBinary(), nullable=True),
        sa.Column("photo_media_type", sa.String(length=64), nullable=True),
        sa.Column("photo_ref", sa.String(length=500), nullable=True),
        sa.Column("main_policy_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "NOT (photo IS NOT NULL AND photo_ref IS NOT NULL)", name=op.f("ck_persons_one_photo")
        ),
        sa.CheckConstraint(
            "external_code IS NULL OR length(external_code) <= 20",
            name=op.f("ck_persons_external_code_length"),
        ),
        sa.ForeignKeyConstraint(
            ["class_id"], ["person_classes.id"], name=op.f("fk_persons_class_id_person_classes")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["person_groups.id"], name=op.f("fk_persons_group_id_person_groups")
        ),
        sa.ForeignKeyConstraint(
            ["main_policy_id"],
            ["access_policies.id"],
            name=op.f("fk_persons_main_policy_id_access_policies"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_persons_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
        sa.UniqueConstraint(
            "site_id", "personal_number", name=op.f("uq_persons_site_id_personal_number")
        ),
    )
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_persons_class_id"), ["class_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_persons_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_persons_site_id"), ["site_id"], unique=False)

    op.create_table(
        "access_point_group_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("access_point_id", sa.Integer(), nullable=True),
        sa.Column("child_group_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(access_point_id IS NULL) <> (child_group_id IS NULL)",
            name=op.f("ck_access_point_group_members_one_member"),
        ),
        sa.CheckConstraint(
            "child_group_id IS NULL OR child_group_id <> group_id",
            name=op.f("ck_access_point_group_members_not_self"),
        ),
        sa.ForeignKeyConstraint(
            ["access_point_id"],
            ["access_points.id"],
            name=op.f("fk_access_point_group_members_access_point_id_access_points"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["child_group_id"],
            ["access_point_groups.id"],
            name=op.f("fk_access_point_group_members_child_group_id_access_point_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["access_point_groups.id"],
            name=op.f("fk_access_point_group_members_group_id_access_point_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_point_group_members")),
        sa.UniqueConstraint(
            "group_id",
            "access_point_id",
            name=op.f("uq_access_point_group_members_group_id_access_point_id"),
        ),
        sa.UniqueConstraint(
            "group_id",
            "child_group_id",
            name=op.f("uq_access_point_group_members_group_id_child_group_id"),
        ),
    )
    with op.batch_alter_table("access_point_group_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_access_point_group_members_group_id"), ["group_id"], unique=False
        )

    op.create_table(
        "access_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("access_point_id", sa.Integer(), nullable=True),
        sa.Column("access_point_group_id", sa.Integer(), nullable=True),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("holiday_list_id", sa.Integer(), nullable=True),
        sa.Column("holiday_schedule_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(access_point_id IS NULL) <> (access_point_group_id IS NULL)",
            name=op.f("ck_access_rules_one_target"),
        ),
        sa.CheckConstraint(
            "holiday_schedule_id IS NULL OR holiday_list_id IS NOT NULL",
            name=op.f("ck_access_rules_holiday_schedule_needs_list"),
        ),
        sa.ForeignKeyConstraint(
            ["access_point_group_id"],
            ["access_point_groups.id"],
            name=op.f("fk_access_rules_access_point_group_id_access_point_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["access_point_id"],
            ["access_points.id"],
            name=op.f("fk_access_rules_access_point_id_access_points"),
        ),
        sa.ForeignKeyConstraint(
            ["holiday_list_id"],
            ["holiday_lists.id"],
            name=op.f("fk_access_rules_holiday_list_id_holiday_lists"),
        ),
        sa.ForeignKeyConstraint(
            ["holiday_schedule_id"],
            ["schedules.id"],
            name=op.f("fk_access_rules_holiday_schedule_id_schedules"),
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["access_policies.id"],
            name=op.f("fk_access_rules_policy_id_access_policies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["schedules.id"], name=op.f("fk_access_rules_schedule_id_schedules")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_rules")),
    )
    with op.batch_alter_table("access_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_rules_policy_id"), ["policy_id"], unique=False)

    op.create_table(
        "badges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("card_format", sa.SmallInteger(), nullable=False),
        sa.Column("card_value", sa.BigInteger(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pin_sealed", sa.LargeBinary(length=64), nullable=True),
        sa.Column(
            "registered_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(state = 'issued') = (person_id IS NOT NULL OR group_id IS NOT NULL)",
            name=op.f("ck_badges_issued_iff_held"),
        ),
        sa.CheckConstraint(
            "state IN ('unused', 'issued', 'withdrawn')", name=op.f("ck_badges_state_known")
        ),
        sa.CheckConstraint("card_format BETWEEN 1 AND 255", name=op.f("ck_badges_format_range")),
        sa.CheckConstraint("card_value >= 0", name=op.f("ck_badges_value_range")),
        sa.CheckConstraint(
            "person_id IS NULL OR group_id IS NULL", name=op.f("ck_badges_one_holder")
        ),
        sa.CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to",
            name=op.f("ck_badges_validity_order"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["person_groups.id"], name=op.f("fk_badges_group_id_person_groups")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_badges_person_id_persons")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_badges_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badges")),
        sa.UniqueConstraint(
            "site_id",
            "card_format",
            "card_value",
            name=op.f("uq_badges_site_id_card_format_card_value"),
        ),
    )
    with op.batch_alter_table("badges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_badges_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_badges_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_badges_site_id"), ["site_id"], unique=False)

    op.create_table(
        "person_locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_person_locations_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_person_locations_room_id_rooms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_locations")),
    )
    with op.batch_alter_table("person_locations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_person_locations_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "person_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to",
            name=op.f("ck_person_policies_validity_order"),
        ),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from IS NOT NULL",
            name=op.f("ck_person_policies_end_needs_start"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_person_policies_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["access_policies.id"],
            name=op.f("fk_person_policies_policy_id_access_policies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_policies")),
    )
    with op.batch_alter_table("person_policies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_person_policies_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_person_policies_policy_id"), ["policy_id"], unique=False
        )

    op.create_table(
        "person_titles",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("element_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_person_titles_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["title_id", "element_id"],
            ["title_elements.title_id", "title_elements.id"],
            name=op.f("fk_person_titles_title_id_title_elements"),
        ),
        sa.ForeignKeyConstraint(
            ["title_id"], ["titles.id"], name=op.f("fk_person_titles_title_id_titles")
        ),
        sa.PrimaryKeyConstraint("person_id", "title_id", name=op.f("pk_person_titles")),
    )
    op.create_table(
        "readers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("controller_id", sa.Integer(), nullable=False),
        sa.Column("reader_no", sa.Integer(), nullable=False),
        sa.Column("access_point_id", sa.Integer(), nullable=False),
        sa.Column("requires_pin", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "reader_no BETWEEN 0 AND 65535", name=op.f("ck_readers_reader_no_range")
        ),
        sa.ForeignKeyConstraint(
            ["access_point_id"],
            ["access_points.id"],
            name=op.f("fk_readers_access_point_id_access_points"),
        ),
        sa.ForeignKeyConstraint(
            ["controller_id"],
            ["controllers.id"],
            name=op.f("fk_readers_controller_id_controllers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readers")),
        sa.UniqueConstraint("access_point_id", name=op.f("uq_readers_access_point_id")),
        sa.UniqueConstraint(
            "controller_id", "reader_no", name=op.f("uq_readers_controller_id_reader_no")
        ),
    )
    with op.batch_alter_table("readers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_readers_access_point_id"), ["access_point_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_readers_controller_id"), ["controller_id"], unique=False
        )

    op.create_table(
        "badge_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("badge_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.CheckConstraint(
            "action IN ('registered', 'issued', 'withdrawn', 'validity_changed', 'pin_changed')",
            name=op.f("ck_badge_history_action_known"),
        ),
        sa.CheckConstraint(
            "state IN ('unused', 'issued', 'withdrawn')", name=op.f("ck_badge_history_state_known")
        ),
        sa.ForeignKeyConstraint(
            ["badge_id"], ["badges.id"], name=op.f("fk_badge_history_badge_id_badges")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["person_groups.id"], name=op.f("fk_badge_history_group_id_person_groups")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_badge_history_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badge_history")),
    )
    with op.batch_alter_table("badge_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_badge_history_badge_id"), ["badge_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_badge_history_person_id"), ["person_id"], unique=False)

    _create_never_delete_guards()


def downgrade() -> None:
    _drop_never_delete_guards()
    with op.batch_alter_table("badge_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_badge_history_person_id"))
        batch_op.drop_index(batch_op.f("ix_badge_history_badge_id"))

    op.drop_table("badge_history")
    with op.batch_alter_table("readers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_readers_controller_id"))
        batch_op.drop_index(batch_op.f("ix_readers_access_point_id"))

    op.drop_table("readers")
    op.drop_table("person_titles")
    with op.batch_alter_table("person_policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_policies_policy_id"))
        batch_op.drop_index(batch_op.f("ix_person_policies_person_id"))

    op.drop_table("person_policies")
    with op.batch_alter_table("person_locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_locations_person_id"))

    op.drop_table("person_locations")
    with op.batch_alter_table("badges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_badges_site_id"))
        batch_op.drop_index(batch_op.f("ix_badges_person_id"))
        batch_op.drop_index(batch_op.f("ix_badges_group_id"))

    op.drop_table("badges")
    with op.batch_alter_table("access_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_rules_policy_id"))

    op.drop_table("access_rules")
    with op.batch_alter_table("access_point_group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_point_group_members_group_id"))

    op.drop_table("access_point_group_members")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_persons_site_id"))
        batch_op.drop_index(batch_op.f("ix_persons_group_id"))
        batch_op.drop_index(batch_op.f("ix_persons_class_id"))

    op.drop_table("persons")
    with op.batch_alter_table("access_points", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_points_site_id"))

    op.drop_table("access_points")
    op.drop_table("title_elements")
    op.drop_table("title_classes")
    with op.batch_alter_table("schedule_intervals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedule_intervals_schedule_id"))

    op.drop_table("schedule_intervals")
    with op.batch_alter_table("person_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_groups_site_id"))
        batch_op.drop_index(batch_op.f("ix_person_groups_policy_id"))
        batch_op.drop_index(batch_op.f("ix_person_groups_parent_id"))

    op.drop_table("person_groups")
    op.drop_table("holidays")
    op.drop_table("doors")
    op.drop_table("titles")
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedules_site_id"))

    op.drop_table("schedules")
    op.drop_table("rooms")
    op.drop_table("person_classes")
    with op.batch_alter_table("holiday_lists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_holiday_lists_site_id"))

    op.drop_table("holiday_lists")
    with op.batch_alter_table("controllers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_controllers_site_id"))

    op.drop_table("controllers")
    with op.batch_alter_table("access_policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_policies_site_id"))

    op.drop_table("access_policies")
    op.drop_table("access_point_groups")
    op.drop_table("sites")


# Badges are never deleted and their history is append-only (SPEC.md section 3). The ORM
# refuses too (hub/badges/models.py), but only the database stops raw SQL and other clients.
GUARDED = {
    "badges": ("DELETE",),
    "badge_history": ("DELETE", "UPDATE"),
}


def _create_never_delete_guards() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "postgresql":
        op.execute(
            """
            CREATE FUNCTION vratnik_refuse_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% on % is not allowed: badges are withdrawn, never deleted,
                    and their history is never changed', TG_OP, TG_TABLE_NAME
                    USING ERRCODE = 'restrict_violation';
            END;
            $$ LANGUAGE plpgsql
            """
        )
    for table, operations in GUARDED.items():
        for operation in operations:
            name = f"{table}_refuse_{operation.lower()}"
            if dialect == "postgresql":
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION vratnik_refuse_change()"
                )
            else:
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {operation} ON {table} BEGIN "
                    f"SELECT RAISE(ABORT, '{operation} on {table} is not allowed: badges are "
                    "withdrawn, never deleted, and their history is never changed'); END"
                )


def _drop_never_delete_guards() -> None:
    dialect = op.get_context().dialect.name
    for table, operations in GUARDED.items():
        for operation in operations:
            name = f"{table}_refuse_{operation.lower()}"
            if dialect == "postgresql":
                op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            else:
                op.execute(f"DROP TRIGGER IF EXISTS {name}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS vratnik_refuse_change()")
