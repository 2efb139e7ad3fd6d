"""Door, binding and free-open configuration: every mistake is named."""

from __future__ import annotations

import pytest

from edge.door.config import DoorConfig, ReaderBinding
from edge.door.errors import DoorConfigError
from edge.door.schedule import FreeOpenSchedule


def test_door_config_from_a_table() -> None:
    config = DoorConfig.from_dict({"door": 3, "lock": "fail_safe", "unlock_ms": 4000,
                                   "relock_on_close": False}, where="doors[0]")
    assert config.fail_safe and config.unlock_ms == 4000 and not config.relock_on_close
    assert config.relay_level(locked=True) is True
    assert DoorConfig(door=1).relay_level(locked=True) is False  # fail-secure by default


@pytest.mark.parametrize(("table", "message"), [
    ({"door": 1, "unlock": 5}, "doors\\[0\\]: unknown key 'unlock'; known keys: door, lock"),
    ({"lock": "fail_safe"}, "doors\\[0\\]: missing key 'door'"),
    ({"door": 70000}, "door must be an integer 0..65535, got 70000"),
    ({"door": 1, "lock": "magnetic"}, "lock must be one of fail_safe, fail_secure"),
    ({"door": 1, "unlock_ms": 50}, "unlock_ms must be an integer 100..3600000, got 50"),
    ({"door": 1, "unlock_ms": "5s"}, "unlock_ms must be an integer"),
    ({"door": 1, "exit_ms": 0}, "exit_ms must be an integer 100..3600000"),
    ({"door": 1, "held_open_ms": 10}, "held_open_ms must be an integer 1000..86400000"),
    ({"door": 1, "relock_on_close": "yes"}, "relock_on_close must be true or false"),
    ({"door": 1, "name": 5}, "name must be text"),
])
def test_bad_door_tables_name_the_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(DoorConfigError, match=message):
        DoorConfig.from_dict(table, where="doors[0]")


def test_door_config_rejects_a_non_table() -> None:
    with pytest.raises(DoorConfigError, match="expected a table, got list"):
        DoorConfig.from_dict([1], where="doors[0]")  # type: ignore[arg-type]


def test_reader_bindings() -> None:
    assert ReaderBinding.from_dict({"reader": 2, "door": 1, "direction": "exit"}).direction == (
        "exit")
    with pytest.raises(DoorConfigError, match="readers\\[1\\]: missing key 'door'"):
        ReaderBinding.from_dict({"reader": 2}, where="readers[1]")
    with pytest.raises(DoorConfigError, match="direction must be entry or exit, got 'in'"):
        ReaderBinding.from_dict({"reader": 2, "door": 1, "direction": "in"})


def test_free_open_schedule_inside_and_next_change() -> None:
    s = FreeOpenSchedule.from_windows([(300, 400), (100, 200), (200, 250)])
    assert s.bounds == (100, 250, 300, 400)  # merged and sorted like the hub's windows
    assert [s.inside(t) for t in (99, 100, 249, 250, 300, 399, 400)] == [
        False, True, True, False, True, True, False]
    assert s.next_change(120) == 250
    assert s.next_change(400) is None
    assert not FreeOpenSchedule().inside(0)


@pytest.mark.parametrize(("bounds", "message"), [
    ((100, 100), "boundary 1 \\(100\\) must be an integer above the one before it"),
    ((100, 200, 300), "come in \\(start, end\\) pairs"),
    ((1.5, 2), "boundary 0"),
])
def test_bad_free_open_boundaries(bounds: tuple[object, ...], message: str) -> None:
    with pytest.raises(DoorConfigError, match=message):
        FreeOpenSchedule(bounds)  # type: ignore[arg-type]


def test_bad_free_open_window() -> None:
    with pytest.raises(DoorConfigError, match=r"ends .* before it starts"):
        FreeOpenSchedule.from_windows([(200, 100)])
