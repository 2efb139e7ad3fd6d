"""``vratnik hub admin-password`` makes the administrator, then changes his password."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from hub.auth.config import AuthConfig
from hub.auth.models import User
from hub.auth.passwords import Passwords
from hub.cli import hub
from hub.db import make_engine, make_session_factory


def test_admin_password_from_stdin_and_too_short(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    runner = CliRunner()
    made = runner.invoke(hub, ["admin-password", "--database", url, "--stdin"],
                         input="first admin password\n")
    assert made.exit_code == 0, made.output
    again = runner.invoke(hub, ["admin-password", "--database", url],
                          input="second admin password\nsecond admin password\n")
    assert again.exit_code == 0, again.output
    short = runner.invoke(hub, ["admin-password", "--database", url, "--stdin"], input="x\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            (admin,) = session.scalars(select(User)).all()
            assert admin.is_admin and admin.username == "admin"
            assert Passwords(AuthConfig()).verify(admin.password_hash, "second admin password")
    finally:
        engine.dispose()
