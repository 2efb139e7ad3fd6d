"""What the sync benchmarks share: a private Mosquitto on loopback, a migrated SQLite hub
database with a small site, the hub's SyncService and a real EdgeSync, all in-process
except the broker."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from edge.sync import EdgeSync, MemoryDoors, SyncConfig
from hub.access import controllers
from hub.access import services as access
from hub.badges import services as badges
from hub.db import make_engine, make_session_factory, upgrade
from hub.people import groups
from hub.people import services as people
from hub.people.models import PersonClass
from hub.policies import services as policies
from hub.schedules import services as schedules
from hub.sites.services import create_site
from hub.sync.keys import current_key
from hub.sync.service import SyncService
from hub.sync.settings import SyncSettings

READER = 1
CONTROLLER = "door-1"


@contextlib.contextmanager
def mosquitto(folder: Path) -> Iterator[str]:
    """A Mosquitto on a free loopback port (anonymous, no persistence); yields its URL."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not os.access(binary, os.X_OK):
        raise RuntimeError("this benchmark needs mosquitto: apt-get install mosquitto")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    config = folder / "mosquitto.conf"
    lines = [f"listener {port} 127.0.0.1", "allow_anonymous true", "persistence false",
             "max_queued_messages 100000", "log_type error"]
    if os.geteuid() == 0:
        lines.append("user root")
    config.write_text("\n".join(lines) + "\n")
    process = subprocess.Popen([binary, "-c", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), \
                    socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("mosquitto did not start")
            time.sleep(0.02)
        yield f"mqtt://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


@dataclass
class Site:
    site_id: int
    code: str
    controller_id: int
    person_id: int


def build_site(sessions: sessionmaker[Session], persons: int = 1) -> Site:
    """One site, one door with controller door-1 (reader 1), everyone allowed 24/7."""
    code = "b" + secrets.token_hex(4)
    with sessions() as session:
        s = create_site(session, code=code, name=code, time_zone="Europe/Bratislava").id
        always = schedules.create_schedule(session, s, name="24h", kind="weekly",
                                           days=[["00:00-24:00"]] * 7)
        table = policies.create_policy(session, s, name="all")
        door = access.create_door(session, s, name="Door 1")
        entry = door.access_points[0]
        ctl = controllers.create_controller(session, s, code=CONTROLLER, name=CONTROLLER)
        controllers.add_reader(session, ctl.id, reader_no=READER, access_point_id=entry.id)
        policies.add_rule(session, table.id, access_point_id=entry.id, schedule_id=always.id)
        root = groups.create_group(session, s, name="Company", is_company=True,
                                   policy_id=table.id)
        employee = session.scalars(select(PersonClass.id).where(
            PersonClass.site_id == s, PersonClass.name == "employee")).one()
        first = 0
        for n in range(persons):
            who = people.create_person(session, s, surname=f"P{n}", name="X",
                                       class_id=employee, group_id=root.id,
                                       personal_number=f"{n}")
            badge = badges.register_badge(session, s, f"H10301:7:{n + 1}")
            badges.issue_badge(session, badge.id, person_id=who.id)
            first = first or who.id
        session.commit()
        return Site(s, code, ctl.id, first)


@dataclass
class SyncRig:
    engine: Engine
    sessions: sessionmaker[Session]
    site: Site
    hub: SyncService
    broker_url: str
    folder: Path

    def edge(self, **overrides: object) -> EdgeSync:
        """A started EdgeSync for door-1 (not yet in sync)."""
        with self.sessions() as db:
            key = current_key(db, self.site.controller_id)
            db.commit()
        values: dict[str, object] = {
            "broker_url": self.broker_url, "site": self.site.code, "controller": CONTROLLER,
            "key_id": key.kid, "device_key": key.key, "data_dir": self.folder / "edge",
            "reconnect_min": 0.05, "readers": ((READER, "sim"),)}
        values.update(overrides)
        edge = EdgeSync(SyncConfig(**values), MemoryDoors([1]))  # type: ignore[arg-type]
        edge.start()
        return edge


@contextlib.contextmanager
def sync_rig(folder: Path, persons: int = 1, **settings: object) -> Iterator[SyncRig]:
    """Broker, database, site and a started hub; everything stopped afterwards."""
    with mosquitto(folder) as url:
        database = f"sqlite:///{folder / 'hub.db'}"
        upgrade(database)
        engine = make_engine(database)
        sessions = make_session_factory(engine)
        site = build_site(sessions, persons)
        values: dict[str, object] = {
            "broker_url": url, "client_id": f"bench-{secrets.token_hex(3)}",
            "reconcile_interval": 3600.0, "activation_timeout": 3.0, "embedded_port": 0}
        values.update(settings)
        hub = SyncService(sessions, SyncSettings(**values))  # type: ignore[arg-type]
        hub.start()
        try:
            yield SyncRig(engine, sessions, site, hub, url, folder)
        finally:
            hub.stop()
            engine.dispose()


def wait_in_sync(edge: EdgeSync, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not edge.status().in_sync:
        if time.monotonic() > deadline:
            raise RuntimeError("the edge did not get its list")
        time.sleep(0.002)
