"""Sites get a random secret: the compiler derives each controller's PIN salt from it.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SECRET_BYTES = 32


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("secret", sa.LargeBinary(length=SECRET_BYTES), nullable=True))
    sites = sa.table("sites", sa.column("id", sa.Integer), sa.column("secret", sa.LargeBinary))
    connection = op.get_bind()
    # Existing sites: one fresh random secret each (a shared constant would defeat the point).
    for (site_id,) in connection.execute(sa.select(sites.c.id)).all():
        connection.execute(
            sites.update()
            .where(sites.c.id == site_id)
            .values(secret=secrets.token_bytes(SECRET_BYTES))
        )
    with op.batch_alter_table("sites") as batch:
        batch.alter_column(
            "secret", existing_type=sa.LargeBinary(length=SECRET_BYTES), nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("secret")
