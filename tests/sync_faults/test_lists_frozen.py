"""The sync service compiles sites with hub.compiler's compile_frozen: the compiled site
is out of the garbage collector's reach, so collections do not pause activations."""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path

from hub.db import make_engine, make_session_factory, upgrade
from hub.sync.lists import ListService
from tests.hub.sync.conftest import build_plant


def test_reconcile_freezes_the_compiled_site(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        sessions = make_session_factory(engine)
        plant = build_plant(sessions, persons=3)
        lists = ListService(sessions, lambda: None)
        gc.unfreeze()
        with sessions() as session:
            updates = lists.reconcile(session, plant.site_id, dt.datetime.now(dt.UTC))
            session.commit()
        assert {u.code for u in updates} == {"door-1", "door-2", "door-3"}
        site = lists.site(plant.site_id)
        assert site is not None
        # frozen objects are in the permanent generation, which gc.get_objects never lists
        assert gc.get_freeze_count() > 0
        young = {id(o) for o in gc.get_objects()}
        assert id(site.compiled) not in young
        assert id(site.compiled.keepers) not in young
    finally:
        gc.unfreeze()
        engine.dispose()
