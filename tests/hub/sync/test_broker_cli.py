"""``vratnik hub broker-config``: the files, their permissions, stable hub password."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker

from hub.cli import hub
from protocols.portable import topics
from tests.hub.sync.conftest import build_plant


def test_broker_config_command(sync_sqlite_url: str, sessions: sessionmaker[Session],
                               tmp_path: Path) -> None:
    plant = build_plant(sessions)
    out = tmp_path / "broker"
    args = ["broker-config", "--database", sync_sqlite_url, "--out", str(out), "--port", "8884",
            "--cafile", "/etc/ca.crt", "--certfile", "/etc/b.crt", "--keyfile", "/etc/b.key"]
    result = CliRunner().invoke(hub, args)
    assert result.exit_code == 0, result.output
    conf = (out / "mosquitto.conf").read_text()
    for line in ("allow_anonymous false", "listener 8884 0.0.0.0", "cafile /etc/ca.crt",
                 f"acl_file {out / 'acl'}", f"password_file {out / 'passwd'}"):
        assert line in conf.splitlines()
    acl = (out / "acl").read_text().splitlines()
    user = f"{plant.site}.door-1"
    block = acl[acl.index(f"user {user}") + 1:]
    block = block[:block.index("")]
    assert f"topic write {topics.controller_topic('vratnik', plant.site, 'door-1', 'events')}" \
        in block
    assert f"topic read {topics.controller_topic('vratnik', plant.site, 'door-1', 'cmd')}" \
        in block
    assert all("door-1" in line or "/hub/status" in line for line in block)
    passwd = dict(line.split(":", 1) for line in (out / "passwd").read_text().splitlines())
    assert passwd[user].startswith("$7$") and passwd["vratnik-hub"].startswith("$7$")
    creds = json.loads((out / "credentials.json").read_text())
    assert (out / "passwd").stat().st_mode & 0o077 == 0
    # a second run keeps the hub's password (the running hub is configured with it)
    assert CliRunner().invoke(hub, args).exit_code == 0
    again = json.loads((out / "credentials.json").read_text())
    assert again["hub"] == creds["hub"]
    assert again["controllers"][f"{plant.site}/door-1"] == creds["controllers"][
        f"{plant.site}/door-1"]
    # TLS needs all three paths
    half = CliRunner().invoke(hub, ["broker-config", "--database", sync_sqlite_url, "--out",
                                    str(out), "--cafile", "/etc/ca.crt"])
    assert half.exit_code != 0 and "all three" in half.output
