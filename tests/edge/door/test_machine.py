"""Every transition and alarm of the door state machine, on a fake clock (no sleeping)."""

from __future__ import annotations

import pytest

from edge.door.config import FAIL_SAFE, FAIL_SECURE
from edge.door.errors import DoorCommandError
from tests.edge.door.helpers import make_door

ENERGISED, RELEASED = True, False


def test_boot_locks_fail_secure_with_the_coil_released_and_fail_safe_energised() -> None:
    secure = make_door(lock=FAIL_SECURE)
    safe = make_door(lock=FAIL_SAFE)
    assert secure.levels() == [RELEASED]
    assert safe.levels() == [ENERGISED]
    assert secure.door.state().locked and safe.door.state().locked
    assert secure.events == [] and safe.events == []


@pytest.mark.parametrize(("lock", "locked_level"), [(FAIL_SECURE, RELEASED),
                                                    (FAIL_SAFE, ENERGISED)])
def test_relay_polarity_follows_the_lock_type_through_a_grant(lock: str,
                                                              locked_level: bool) -> None:
    b = make_door(lock=lock, unlock_ms=3000)
    b.door.grant()
    assert b.io.relay is (not locked_level)
    assert not b.door.state().locked
    b.advance(3.0)
    assert b.levels() == [locked_level, not locked_level, locked_level]
    assert b.door.state().locked


def test_grant_nobody_opens_relocks_after_the_unlock_time_without_alarm() -> None:
    b = make_door(unlock_ms=5000)
    b.door.grant()
    assert b.door.next_deadline() == pytest.approx(b.clock.monotonic() + 5.0)
    b.advance(4.9)
    assert not b.door.state().locked
    b.advance(0.1)
    assert b.door.state().locked
    assert b.io.relay is RELEASED
    assert b.events == []
    assert b.door.next_deadline() is None


def test_open_after_the_relock_is_forced_once_and_ends_with_the_close() -> None:
    b = make_door(unlock_ms=2000)
    b.door.grant()
    b.advance(2.0)
    b.door.contact(True)
    assert b.take() == ["door_opened", "door_forced"]
    assert b.events == []
    assert b.door.state().forced
    b.advance(3600)  # a forced door raises no held-open alarm on top
    assert b.events == []
    b.door.contact(False)
    assert b.take() == ["door_closed"]
    assert not b.door.state().forced


def test_forced_event_says_the_opening_was_not_authorised() -> None:
    b = make_door()
    b.door.contact(True)
    opened, forced = b.events
    assert opened.data == {"authorised": False}
    assert forced.kind == "door_forced" and forced.alarm and forced.door == 1


def test_granted_passage_opens_authorised_and_relocks_on_close() -> None:
    b = make_door(unlock_ms=5000, relock_on_close=True)
    b.door.grant()
    b.advance(1.0)
    b.door.contact(True)
    assert b.events[0].data == {"authorised": True}
    assert not b.door.state().locked  # still inside the unlock time
    b.door.contact(False)
    assert b.take() == ["door_opened", "door_closed"]
    assert b.door.state().locked  # relocked at the close, 4 s early
    assert b.levels() == [RELEASED, ENERGISED, RELEASED]
    b.door.contact(True)  # a second person without a card
    assert b.take() == ["door_opened", "door_forced"]


def test_without_relock_on_close_the_unlock_time_runs_out() -> None:
    b = make_door(unlock_ms=5000, relock_on_close=False)
    b.door.grant()
    b.door.contact(True)
    b.door.contact(False)
    assert not b.door.state().locked
    b.door.contact(True)  # still unlocked: allowed
    b.door.contact(False)
    assert b.take() == ["door_opened", "door_closed"] * 2
    b.advance(5.0)
    assert b.door.state().locked
    assert b.events == []


def test_held_open_alarms_once_and_clears_on_close() -> None:
    b = make_door(unlock_ms=3000, held_open_ms=20_000)
    b.door.grant()
    b.door.contact(True)
    b.take()
    b.advance(19.9)
    assert b.events == []
    b.advance(0.1)
    assert b.take() == ["door_held"]
    for _ in range(5):
        b.advance(30)
    assert b.events == []  # once, not every tick
    assert b.door.state().held_alarm
    b.door.contact(False)
    assert b.take() == ["door_closed", "door_held_cleared"]
    assert not b.door.state().held_alarm


def test_held_alarm_is_stamped_at_its_deadline_even_when_the_tick_is_late() -> None:
    b = make_door(held_open_ms=10_000)
    b.door.grant()
    b.door.contact(True)
    opened_at = b.events[0]
    b.clock.advance(25)  # the timer loop was late
    b.door.tick()
    held = b.events[-1]
    assert held.kind == "door_held"
    assert held.mono == pytest.approx(opened_at.mono + 10)
    assert held.ts == opened_at.ts + 10
    assert held.data == {"held_open_ms": 10_000}


def test_exit_button_while_locked_opens_without_forced_alarm() -> None:
    b = make_door(exit_ms=4000)
    b.door.exit_request()
    assert b.take() == ["exit_button"]
    assert not b.door.state().locked
    b.door.contact(True)
    b.door.contact(False)
    assert b.take() == ["door_opened", "door_closed"]
    assert b.door.state().locked


def test_exit_button_through_the_io_port_press_and_release() -> None:
    b = make_door()
    b.io.press_exit()
    b.io.open_door()
    b.io.close_door()
    assert b.take() == ["exit_button", "door_opened", "door_closed"]
    assert b.events == []


def test_exit_button_that_only_authorises_leaves_the_relay_locked() -> None:
    b = make_door(exit_unlocks=False, exit_ms=3000)
    b.door.exit_request()
    assert b.door.state().locked
    assert b.levels() == [RELEASED]  # never released
    b.door.contact(True)
    assert b.take() == ["exit_button", "door_opened"]
    b.door.contact(False)
    b.door.exit_request()
    b.advance(3.0)  # nobody went out in time
    b.take()
    b.door.contact(True)
    assert b.take() == ["door_opened", "door_forced"]


def test_free_open_window_unlocks_without_held_alarm_then_relocks() -> None:
    b = make_door(held_open_ms=10_000)
    b.door.set_free_open(True)
    assert b.take() == ["free_open_started"]
    assert not b.door.state().locked and b.io.relay is ENERGISED
    b.door.contact(True)
    b.advance(3600)
    assert b.take() == ["door_opened"]
    b.door.contact(False)
    b.door.set_free_open(False)
    assert b.take() == ["door_closed", "free_open_ended"]
    assert b.door.state().locked and b.io.relay is RELEASED


def test_a_door_still_open_when_free_open_ends_gets_the_held_time_from_then() -> None:
    b = make_door(held_open_ms=10_000)
    b.door.set_free_open(True)
    b.door.contact(True)
    b.advance(500)
    b.door.set_free_open(False)
    b.take()
    b.advance(9.9)
    assert b.events == []
    b.advance(0.1)
    assert b.take() == ["door_held"]


def test_remote_unlock_holds_until_lock() -> None:
    b = make_door(unlock_ms=3000, held_open_ms=10_000)
    b.door.command("unlock", 0, req="r1")
    cmd = b.events[-1]
    assert cmd.kind == "door_command"
    assert cmd.data == {"op": "unlock", "duration_ms": 0, "req": "r1"}
    b.door.contact(True)
    b.advance(7200)
    assert not b.door.state().locked and b.door.state().held
    assert "door_held" not in b.kinds()
    b.door.command("lock")
    assert b.door.state().locked
    b.advance(9.9)
    assert "door_held" not in b.kinds()
    b.advance(0.1)  # the door stayed open after the hold ended
    assert b.kinds()[-1] == "door_held"


def test_remote_unlock_with_a_duration_and_pulse_relock_on_time() -> None:
    b = make_door()
    b.door.command("unlock", 60_000)
    b.advance(59.9)
    assert not b.door.state().locked
    b.advance(0.1)
    assert b.door.state().locked
    b.door.command("pulse", 1500)
    assert not b.door.state().locked
    b.advance(1.5)
    assert b.door.state().locked
    assert [e.data["op"] for e in b.events] == ["unlock", "pulse"]


def test_remote_lock_ends_a_pulse_and_beats_free_open_until_the_schedule_changes() -> None:
    b = make_door()
    b.door.grant(duration_ms=60_000)
    b.door.command("lock")
    assert b.door.state().locked
    b.door.set_free_open(True)
    b.door.command("lock")
    assert b.door.state().locked and b.door.state().free_open
    b.door.contact(True)  # the remote lock is meant: an opening now is forced
    assert b.kinds()[-1] == "door_forced"
    b.door.contact(False)
    b.door.set_free_open(False)
    b.door.set_free_open(True)  # the next window opens the door again
    assert not b.door.state().locked
    b.door.command("lock")
    b.door.command("unlock")  # an unlock lifts the override
    assert not b.door.state().locked


@pytest.mark.parametrize(("op", "duration", "message"), [
    ("open", 0, "unknown door command 'open'"),
    ("pulse", 0, "a pulse needs duration_ms > 0"),
    ("lock", 5, "lock takes no duration"),
    ("unlock", -1, "duration_ms must be an integer 0..3600000"),
    ("unlock", 3_600_001, "duration_ms must be an integer 0..3600000"),
])
def test_bad_commands_are_refused_and_change_nothing(op: str, duration: int,
                                                    message: str) -> None:
    b = make_door()
    with pytest.raises(DoorCommandError, match=message):
        b.door.command(op, duration)
    assert b.door.state().locked
    assert b.events == []
    assert b.levels() == [RELEASED]


def test_a_door_open_at_boot_must_close_within_the_held_time() -> None:
    b = make_door(door_open=True, held_open_ms=10_000)
    assert b.door.state().open
    b.advance(10)
    assert b.take() == ["door_held"]
    b.io.close_door()
    assert b.take() == ["door_closed", "door_held_cleared"]


def test_a_failed_relay_write_is_reported_and_retried() -> None:
    b = make_door(unlock_ms=2000)
    b.io.fail_writes = 1
    b.door.grant()
    fault = b.events[-1]
    assert fault.kind == "door_fault"
    assert "relay write failed" in str(fault.data["detail"])
    assert b.door.state().relay_energised is None
    b.door.tick()  # the next pass writes the level again
    assert b.io.relay is ENERGISED
    b.advance(2)
    assert b.io.relay is RELEASED


def test_a_failing_sink_does_not_stop_the_door(caplog: pytest.LogCaptureFixture) -> None:
    b = make_door()

    def broken(_event: object) -> None:
        raise RuntimeError("sink down")

    b.door._sink = broken
    b.door.contact(True)
    assert b.door.state().forced
    assert "the event sink failed on door_opened" in caplog.text


def test_grants_extend_but_never_shorten_the_unlock() -> None:
    b = make_door(unlock_ms=5000)
    b.door.grant(duration_ms=20_000)
    b.door.grant()
    b.advance(10)
    assert not b.door.state().locked
    b.advance(10)
    assert b.door.state().locked
