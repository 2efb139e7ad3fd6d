"""Sync: controller presence and lists, device keys and counters, door commands, events.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("CURRENT_TIMESTAMP")
EVENT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _controller_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["controller_id"], ["controllers.id"],
        name=op.f(f"fk_{table}_controller_id_controllers"), ondelete="CASCADE",
    )


def _index(table: str, column: str, unique: bool = False) -> None:
    with op.batch_alter_table(table) as batch:
        batch.create_index(batch.f(f"ix_{table}_{column}"), [column], unique=unique)


def upgrade() -> None:
    op.create_table(
        "hub_presence",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("session", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"],
                                name=op.f("fk_hub_presence_site_id_sites"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("site_id", name=op.f("pk_hub_presence")),
    )
    op.create_table(
        "controller_sync",
        sa.Column("controller_id", sa.Integer(), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("birth_session", sa.BigInteger(), nullable=True),
        sa.Column("death_session", sa.BigInteger(), nullable=True),
        sa.Column("applied_version", sa.BigInteger(), nullable=True),
        sa.Column("applied_hash", sa.LargeBinary(length=32), nullable=True),
        sa.Column("horizon_left", sa.BigInteger(), nullable=True),
        sa.Column("clock_offset", sa.Integer(), nullable=True),
        sa.Column("firmware", sa.String(length=64), nullable=False),
        sa.Column("readers", sa.Text(), nullable=False),
        sa.Column("pending_events", sa.BigInteger(), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_birth_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_death_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("auth_failures", sa.BigInteger(), nullable=False),
        sa.Column("replays", sa.BigInteger(), nullable=False),
        sa.Column("last_problem", sa.Text(), nullable=False),
        sa.Column("broker_password", sa.String(length=64), nullable=False),
        _controller_fk("controller_sync"),
        sa.PrimaryKeyConstraint("controller_id", name=op.f("pk_controller_sync")),
    )
    op.create_table(
        "device_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("controller_id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        _controller_fk("device_keys"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_device_keys_kid")),
    )
    _index("device_keys", "controller_id")
    op.create_table(
        "event_cursors",
        sa.Column("controller_id", sa.Integer(), nullable=False),
        sa.Column("upto", sa.BigInteger(), nullable=False),
        sa.Column("max_seq", sa.BigInteger(), nullable=False),
        sa.Column("replay_asked_at", sa.DateTime(timezone=True), nullable=True),
        _controller_fk("event_cursors"),
        sa.PrimaryKeyConstraint("controller_id", name=op.f("pk_event_cursors")),
    )
    op.create_table(
        "events",
        sa.Column("id", EVENT_ID, nullable=False),
        sa.Column("controller_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("reader", sa.Integer(), nullable=True),
        sa.Column("door", sa.Integer(), nullable=True),
        sa.Column("card_format", sa.SmallInteger(), nullable=True),
        sa.Column("card_value", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.SmallInteger(), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("faces", sa.SmallInteger(), nullable=True),
        sa.Column("photo", sa.String(length=64), nullable=True),
        sa.Column("historical", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        _controller_fk("events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("controller_id", "seq", name=op.f("uq_events_controller_id_seq")),
    )
    _index("events", "ts")
    op.create_table(
        "list_deltas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("controller_id", sa.Integer(), nullable=False),
        sa.Column("base", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        _controller_fk("list_deltas"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_deltas")),
        sa.UniqueConstraint("controller_id", "version",
                            name=op.f("uq_list_deltas_controller_id_version")),
    )
    _index("list_deltas", "controller_id")
    op.create_table(
        "list_snapshots",
        sa.Column("controller_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("content_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("snapshot", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        _controller_fk("list_snapshots"),
        sa.PrimaryKeyConstraint("controller_id", name=op.f("pk_list_snapshots")),
    )
    op.create_table(
        "seal_counters",
        sa.Column("controller_id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=255), nullable=False),
        sa.Column("counter", sa.BigInteger(), nullable=False),
        _controller_fk("seal_counters"),
        sa.PrimaryKeyConstraint("controller_id", "kid", "topic", name=op.f("pk_seal_counters")),
    )
    op.create_table(
        "door_commands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("req", sa.String(length=64), nullable=False),
        sa.Column("controller_id", sa.Integer(), nullable=False),
        sa.Column("door_id", sa.Integer(), nullable=True),
        sa.Column("door_no", sa.Integer(), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("op IN ('unlock', 'lock', 'pulse')",
                           name=op.f("ck_door_commands_op_known")),
        sa.CheckConstraint(
            "status IN ('sent', 'ok', 'expired', 'rejected', 'failed', 'timeout', 'offline', "
            "'disabled')",
            name=op.f("ck_door_commands_status_known"),
        ),
        _controller_fk("door_commands"),
        sa.ForeignKeyConstraint(["door_id"], ["doors.id"],
                                name=op.f("fk_door_commands_door_id_doors"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_door_commands")),
        sa.UniqueConstraint("req", name=op.f("uq_door_commands_req")),
    )
    _index("door_commands", "controller_id")


def downgrade() -> None:
    for table in ("door_commands", "seal_counters", "list_snapshots", "list_deltas", "events",
                  "event_cursors", "device_keys", "controller_sync", "hub_presence"):
        op.drop_table(table)
