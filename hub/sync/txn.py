"""Transactions that write on SQLite: take the write lock before the first read.

SQLite (WAL) lets a transaction that has read upgrade to a writer only if nobody
committed in between; otherwise the write fails at once with "database is locked",
without waiting for the busy timeout. The sync worker commits many times a second, so
every sync transaction that will write starts by taking the write lock, which waits.
On PostgreSQL row locks do this job and nothing is needed.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session


def lock_for_writing(session: Session) -> None:
    """Make the session's transaction a writer now (SQLite; a no-op elsewhere)."""
    if session.get_bind().dialect.name == "sqlite":
        # a write statement that changes nothing still takes the write lock, waiting
        session.execute(text("UPDATE event_cursors SET upto = upto WHERE 1 = 0"))
