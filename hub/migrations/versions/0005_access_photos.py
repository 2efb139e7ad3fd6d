"""Access photos uploaded by the edges (chunked, resumable), with their retention date.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("CURRENT_TIMESTAMP")
ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "access_photos",
        sa.Column("id", ROW_ID, nullable=False),
        sa.Column("controller_id", sa.Integer(), nullable=False),
        sa.Column("photo", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("event_id", ROW_ID, nullable=True),
        sa.Column("taken_at", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("faces", sa.SmallInteger(), nullable=True),
        sa.Column("boxes", sa.JSON(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.LargeBinary(length=32), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("retention_until", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=NOW,
                  nullable=False),
        sa.ForeignKeyConstraint(["controller_id"], ["controllers.id"],
                                name=op.f("fk_access_photos_controller_id_controllers"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"],
                                name=op.f("fk_access_photos_event_id_events"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_photos")),
        sa.UniqueConstraint("controller_id", "photo",
                            name=op.f("uq_access_photos_controller_id_photo")),
    )
    with op.batch_alter_table("access_photos") as batch:
        batch.create_index(batch.f("ix_access_photos_event_id"), ["event_id"], unique=False)
        batch.create_index(batch.f("ix_access_photos_retention_until"), ["retention_until"],
                           unique=False)


def downgrade() -> None:
    op.drop_table("access_photos")
