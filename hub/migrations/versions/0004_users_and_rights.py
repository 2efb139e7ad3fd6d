"""Users, sessions, API tokens, login history; rights, custom rights, rights history;
the persons index of the web UI's lists.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auth_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("login_log", sa.String(length=16), nullable=False),
        sa.Column("idle_minutes", sa.Integer(), nullable=False),
        sa.Column("absolute_hours", sa.Integer(), nullable=False),
        sa.Column("passwordless_login", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "login_log IN ('nothing', 'failures', 'everything')",
            name=op.f("ck_auth_settings_login_log_known"),
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_auth_settings_single_row")),
        sa.CheckConstraint(
            "idle_minutes >= 1 AND absolute_hours >= 1",
            name=op.f("ck_auth_settings_timeouts_positive"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_settings")),
    )
    op.create_table(
        "custom_rights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("view_only", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "kind IN ('all', 'absences', 'shifts')", name=op.f("ck_custom_rights_kind_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_rights")),
        sa.UniqueConstraint("name", name=op.f("uq_custom_rights_name")),
    )
    op.create_table(
        "rights_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ban_own_edit_department", sa.Boolean(), nullable=False),
        sa.Column("ban_own_edit_all", sa.Boolean(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_rights_settings_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_settings")),
    )
    op.create_table(
        "custom_right_groups",
        sa.Column("right_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["person_groups.id"],
            name=op.f("fk_custom_right_groups_group_id_person_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["right_id"],
            ["custom_rights.id"],
            name=op.f("fk_custom_right_groups_right_id_custom_rights"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("right_id", "group_id", name=op.f("pk_custom_right_groups")),
    )
    with op.batch_alter_table("custom_right_groups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_custom_right_groups_group_id"), ["group_id"], unique=False
        )

    op.create_table(
        "custom_right_persons",
        sa.Column("right_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_custom_right_persons_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["right_id"],
            ["custom_rights.id"],
            name=op.f("fk_custom_right_persons_right_id_custom_rights"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("right_id", "person_id", name=op.f("pk_custom_right_persons")),
    )
    with op.batch_alter_table("custom_right_persons", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_custom_right_persons_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("auth_source", sa.String(length=16), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "auth_source IN ('local', 'directory')", name=op.f("ck_users_auth_source_known")
        ),
        sa.CheckConstraint("length(username) >= 1", name=op.f("ck_users_username_not_empty")),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_users_person_id_persons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_users_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_person_id"), ["person_id"], unique=False)

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_auth_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_sessions_token_hash")),
    )
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "login_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_login_history_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_history")),
    )
    with op.batch_alter_table("login_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_history_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_history_user_id"), ["user_id"], unique=False)

    op.create_table(
        "rights_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("revoked", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_rights_history_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_history")),
    )
    with op.batch_alter_table("rights_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rights_history_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_rights_history_user_id"), ["user_id"], unique=False)

    op.create_table(
        "user_modules",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "module IN ('hierarchy', 'persons', 'badges', 'access', 'controllers', "
            "'schedules', 'holidays', 'policies', 'sites', 'audit')",
            name=op.f("ck_user_modules_module_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_modules_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "module", name=op.f("pk_user_modules")),
    )
    op.create_table(
        "user_networks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_networks_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_networks")),
        sa.UniqueConstraint("user_id", "network", name=op.f("uq_user_networks_user_id_network")),
    )
    with op.batch_alter_table("user_networks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_networks_user_id"), ["user_id"], unique=False)

    op.create_table(
        "user_rights",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("view_scope", sa.String(length=16), nullable=False),
        sa.Column("edit_scope", sa.String(length=16), nullable=False),
        sa.Column("custom_right_id", sa.Integer(), nullable=True),
        sa.Column("policies_only", sa.Boolean(), nullable=False),
        sa.Column("additional_policies_only", sa.Boolean(), nullable=False),
        sa.Column("main_data_only", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "(edit_scope = 'custom') = (custom_right_id IS NOT NULL)",
            name=op.f("ck_user_rights_custom_iff_right"),
        ),
        sa.CheckConstraint(
            "edit_scope IN ('none', 'self', 'department', 'subordinates', 'all', 'hr', 'custom')",
            name=op.f("ck_user_rights_edit_scope_known"),
        ),
        sa.CheckConstraint(
            "view_scope IN ('self', 'department', 'subtree', 'all')",
            name=op.f("ck_user_rights_view_scope_known"),
        ),
        sa.CheckConstraint(
            "NOT (policies_only AND additional_policies_only)",
            name=op.f("ck_user_rights_one_policy_restriction"),
        ),
        sa.ForeignKeyConstraint(
            ["custom_right_id"],
            ["custom_rights.id"],
            name=op.f("fk_user_rights_custom_right_id_custom_rights"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_rights_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_rights")),
    )
    with op.batch_alter_table("user_rights", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_rights_custom_right_id"), ["custom_right_id"], unique=False
        )

    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.create_index(
            "ix_persons_site_surname_name_id", ["site_id", "surname", "name", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index("ix_persons_site_surname_name_id")

    with op.batch_alter_table("user_rights", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_rights_custom_right_id"))

    op.drop_table("user_rights")
    with op.batch_alter_table("user_networks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_networks_user_id"))

    op.drop_table("user_networks")
    op.drop_table("user_modules")
    with op.batch_alter_table("rights_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rights_history_user_id"))
        batch_op.drop_index(batch_op.f("ix_rights_history_at"))

    op.drop_table("rights_history")
    with op.batch_alter_table("login_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_history_user_id"))
        batch_op.drop_index(batch_op.f("ix_login_history_at"))

    op.drop_table("login_history")
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_sessions_user_id"))

    op.drop_table("auth_sessions")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_person_id"))

    op.drop_table("users")
    with op.batch_alter_table("custom_right_persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_custom_right_persons_person_id"))

    op.drop_table("custom_right_persons")
    with op.batch_alter_table("custom_right_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_custom_right_groups_group_id"))

    op.drop_table("custom_right_groups")
    op.drop_table("rights_settings")
    op.drop_table("custom_rights")
    op.drop_table("auth_settings")
