"""The compiled list on disk: atomic replacement, corruption detection and fallback."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from edge.store import listfile
from edge.store.errors import ListFileError
from edge.store.listfile import HEADER_SIZE, ListStore
from protocols.portable.accesslist import (
    READER_PIN,
    TIME_MAX,
    AccessList,
    AccessListBuilder,
    apply_delta,
    content_hash,
    diff,
    encode_snapshot,
)
from protocols.portable.cardkey import H10301_26, card_key

SNAP1 = b"\xadaf\x01cver\x01" + bytes(range(256)) * 4  # stand-in snapshot bytes
SNAP2 = b"\xadaf\x01cver\x02" + bytes(range(255, -1, -1)) * 5


@pytest.fixture
def store(tmp_path: Path) -> ListStore:
    return ListStore(tmp_path / "list")


@pytest.fixture
def two_versions(store: ListStore) -> ListStore:
    store.save(SNAP1, 1)
    store.save(SNAP2, 2)
    return store


def cur(store: ListStore) -> Path:
    return store.directory / listfile.CURRENT


def assert_fell_back(store: ListStore, code: str, words: str) -> None:
    loaded = store.load_snapshot()
    assert loaded.value == SNAP1
    assert loaded.stored is not None
    assert loaded.stored.slot == "previous"
    assert loaded.stored.version == 1
    status = loaded.status
    assert status.level == "warning"
    assert status.using == "previous"
    assert status.version == 1
    assert [p.code for p in status.problems] == [code]
    assert status.message.startswith(f"current list corrupt ({words}")
    assert status.message.endswith("using previous version 1")
    assert status.as_dict()["problems"] == [
        {"file": "list.cur", "code": code, "detail": status.problems[0].detail}]


def test_save_then_load_returns_the_bytes_and_their_sha256(store: ListStore) -> None:
    digest = store.save(SNAP1, 1)
    assert digest == hashlib.sha256(SNAP1).digest()
    loaded = store.load_snapshot()
    assert loaded.value == SNAP1
    assert loaded.stored is not None
    assert loaded.stored.content_hash == digest
    assert loaded.stored.version == 1
    assert loaded.status.level == "ok"
    assert loaded.status.message == "using current version 1"
    assert cur(store).stat().st_size == HEADER_SIZE + len(SNAP1)


def test_second_save_keeps_the_first_as_previous(two_versions: ListStore) -> None:
    loaded = two_versions.load_snapshot()
    assert (loaded.value, loaded.status.version) == (SNAP2, 2)
    prev = listfile.verify_file((two_versions.directory / "list.prev").read_bytes(),
                                "list.prev", "previous")
    assert isinstance(prev, listfile.StoredList)
    assert (prev.snapshot, prev.version) == (SNAP1, 1)
    assert sorted(p.name for p in two_versions.directory.iterdir()) == ["list.cur", "list.prev"]


def test_truncated_current_file_falls_back(two_versions: ListStore) -> None:
    data = cur(two_versions).read_bytes()
    cur(two_versions).write_bytes(data[: len(data) - 100])
    assert_fell_back(two_versions, "truncated", "truncated")
    detail = two_versions.load_snapshot().status.problems[0].detail
    assert detail == f"{len(SNAP2) - 100} of {len(SNAP2)} snapshot bytes present (torn write)"


def test_torn_header_falls_back(two_versions: ListStore) -> None:
    cur(two_versions).write_bytes(cur(two_versions).read_bytes()[:30])
    assert_fell_back(two_versions, "truncated", "truncated")


def test_flipped_snapshot_byte_is_a_hash_mismatch(two_versions: ListStore) -> None:
    data = bytearray(cur(two_versions).read_bytes())
    data[HEADER_SIZE + 500] ^= 0x01
    cur(two_versions).write_bytes(bytes(data))
    assert_fell_back(two_versions, "hash-mismatch", "hash mismatch")


def test_flipped_header_byte_is_caught_by_the_header_checksum(two_versions: ListStore) -> None:
    data = bytearray(cur(two_versions).read_bytes())
    data[19] ^= 0x04  # low byte of the version: the hash alone would not notice
    cur(two_versions).write_bytes(bytes(data))
    assert_fell_back(two_versions, "bad-header", "bad header")


def test_empty_current_file_falls_back(two_versions: ListStore) -> None:
    cur(two_versions).write_bytes(b"")
    assert_fell_back(two_versions, "empty", "empty")


def test_wrong_magic_falls_back(two_versions: ListStore) -> None:
    data = cur(two_versions).read_bytes()
    cur(two_versions).write_bytes(b"PK\x03\x04" + data[4:])
    assert_fell_back(two_versions, "bad-magic", "bad magic")
    assert "not a compiled-list file" in two_versions.load_snapshot().status.message


def test_extra_bytes_after_the_snapshot_fall_back(two_versions: ListStore) -> None:
    with cur(two_versions).open("ab") as f:
        f.write(b"\x00" * 7)
    assert_fell_back(two_versions, "length-mismatch", "length mismatch")


def test_missing_current_file_falls_back(two_versions: ListStore) -> None:
    cur(two_versions).unlink()
    loaded = two_versions.load_snapshot()
    assert loaded.value == SNAP1
    assert loaded.status.level == "warning"
    assert loaded.status.message == "current list missing, using previous version 1"


def test_leftover_temp_file_is_removed_and_reported(two_versions: ListStore) -> None:
    tmp = two_versions.directory / "list.tmp"
    tmp.write_bytes(listfile.encode_file(b"half a list", 3)[:40])
    loaded = two_versions.load_snapshot()
    assert loaded.value == SNAP2  # the interrupted save of version 3 never took effect
    assert loaded.status.level == "notice"
    assert loaded.status.using == "current"
    assert [(p.file, p.code) for p in loaded.status.problems] == [("list.tmp", "leftover-temp")]
    assert "interrupted save" in loaded.status.message
    assert not tmp.exists()
    assert two_versions.load_snapshot().status.level == "ok"


def test_both_files_bad_gives_no_list_and_an_error(two_versions: ListStore) -> None:
    cur(two_versions).write_bytes(b"")
    (two_versions.directory / "list.prev").write_bytes(b"garbage" * 20)
    loaded = two_versions.load_snapshot()
    assert loaded.value is None
    assert loaded.stored is None
    assert loaded.status.level == "error"
    assert loaded.status.using is None
    assert loaded.status.message == (
        "no usable compiled list (list.cur corrupt (empty: the file is empty (0 bytes)); "
        "list.prev corrupt (bad magic: starts with b'garbageg', not b'VRTNK-AL': not a "
        "compiled-list file)); a full snapshot is needed")


def test_nothing_saved_yet_is_a_notice(store: ListStore) -> None:
    loaded = store.load_snapshot()
    assert loaded.value is None
    assert loaded.status.level == "notice"
    assert loaded.status.message == "no compiled list stored yet; a full snapshot is needed"


def test_expected_hash_mismatch_writes_nothing(two_versions: ListStore) -> None:
    with pytest.raises(ListFileError, match="does not match the expected content hash"):
        two_versions.save(b"other", 3, expected_hash=hashlib.sha256(b"another").digest())
    assert two_versions.load_snapshot().value == SNAP2
    assert not (two_versions.directory / "list.tmp").exists()


def test_matching_expected_hash_saves(store: ListStore) -> None:
    store.save(SNAP1, 7, expected_hash=hashlib.sha256(SNAP1).digest())
    assert store.load_snapshot().status.version == 7


def test_saving_over_a_corrupt_current_keeps_the_good_previous(two_versions: ListStore) -> None:
    cur(two_versions).write_bytes(b"VRTNK-AL torn")
    two_versions.save(b"third", 3)
    loaded = two_versions.load_snapshot()
    assert (loaded.value, loaded.status.level) == (b"third", "ok")
    # list.prev is still version 1, the last good list, not the damaged file
    cur(two_versions).unlink()
    assert two_versions.load_snapshot().status.message == (
        "current list missing, using previous version 1")
    assert (two_versions.directory / "list.bad").read_bytes() == b"VRTNK-AL torn"


def test_undecodable_current_falls_back(two_versions: ListStore) -> None:
    def decode(snapshot: bytes) -> bytes:
        if snapshot == SNAP2:
            raise ValueError("cd: keys not ascending")
        return snapshot

    loaded = two_versions.load(decode)
    assert loaded.value == SNAP1
    assert loaded.status.message == (
        "current list corrupt (undecodable: cd: keys not ascending), using previous version 1")


def test_rejects_bad_arguments(store: ListStore) -> None:
    with pytest.raises(ListFileError, match="version must be"):
        store.save(b"x", -1)
    with pytest.raises(ListFileError, match="must be bytes"):
        store.save("text", 1)  # type: ignore[arg-type]


@pytest.mark.parametrize("crash_at", range(1, 7))
def test_a_crash_at_any_step_of_a_save_leaves_old_or_new(
        two_versions: ListStore, monkeypatch: pytest.MonkeyPatch, crash_at: int) -> None:
    """Interrupt the save at each file-system step; the next load sees version 2 or 3."""
    real: dict[str, Callable[..., object]] = {
        "replace": os.replace, "link": os.link,
        "fsync_dir": listfile.fsync_dir, "write_durable": listfile.write_durable}
    calls = 0

    def step(name: str) -> Callable[..., object]:
        def wrapped(*args: object, **kwargs: object) -> object:
            nonlocal calls
            calls += 1
            if calls == crash_at:
                raise OSError(5, "simulated power cut")
            return real[name](*args, **kwargs)
        return wrapped

    monkeypatch.setattr(listfile.os, "replace", step("replace"))
    monkeypatch.setattr(listfile.os, "link", step("link"))
    monkeypatch.setattr(listfile, "fsync_dir", step("fsync_dir"))
    monkeypatch.setattr(listfile, "write_durable", step("write_durable"))
    try:
        two_versions.save(b"version three", 3)
    except ListFileError:
        pass
    monkeypatch.undo()
    loaded = two_versions.load_snapshot()
    assert loaded.status.level in ("ok", "notice")
    assert loaded.status.using == "current"
    assert (loaded.value, loaded.status.version) in ((SNAP2, 2), (b"version three", 3))
    assert calls >= crash_at


# -- the full path: AccessList -> canonical bytes -> file -> AccessList ------------------

def build_list(version: int, extra_card: bool = False) -> AccessList:
    builder = AccessListBuilder(version, site="plant", controller="door-1",
                                horizon_start=1_700_000_000, horizon_end=1_703_000_000,
                                salt=b"salt")
    builder.reader(1)
    builder.reader(2, READER_PIN)
    always = builder.schedule([(0, TIME_MAX)])
    day = builder.schedule([(1_700_030_000, 1_700_060_000)])
    staff = builder.profile({1: always, 2: day})
    for number in range(100, 140):
        builder.card(card_key(H10301_26, number), staff)
    if extra_card:
        builder.card(card_key(H10301_26, 999), staff, pin="4321")
    return builder.build()


def test_an_access_list_round_trips_through_the_file(store: ListStore) -> None:
    original = build_list(5)
    digest = store.save_access_list(original)
    assert digest == content_hash(original)
    loaded = store.load_access_list()
    assert loaded.status.message == "using current version 5"
    assert loaded.value is not None
    assert loaded.value.version == 5
    assert loaded.value.cards() == original.cards()
    assert encode_snapshot(loaded.value) == encode_snapshot(original)


def test_a_delta_result_is_saved_only_if_it_hashes_as_the_hub_said(store: ListStore) -> None:
    v1, v2 = build_list(1), build_list(2, extra_card=True)
    store.save_access_list(v1)
    delta = diff(build_list(1), v2)
    edge_list = store.load_access_list().value
    assert edge_list is not None
    apply_delta(edge_list, delta)
    store.save_access_list(edge_list, expected_hash=content_hash(v2))
    assert store.load_access_list().status.version == 2
    with pytest.raises(ListFileError, match="expected content hash"):
        store.save_access_list(build_list(3), expected_hash=content_hash(v2))
    # a torn current file: the agent decides from version 1 and says so
    cur(store).write_bytes(cur(store).read_bytes()[:-3])
    loaded = store.load_access_list()
    assert loaded.value is not None
    assert loaded.value.version == 1
    assert loaded.value.lookup(card_key(H10301_26, 999)) is None
    assert loaded.value.lookup(card_key(H10301_26, 100)) is not None
    assert loaded.status.message.startswith("current list corrupt (truncated")
    assert loaded.status.message.endswith("using previous version 1")


def test_a_well_hashed_but_invalid_snapshot_is_not_used(store: ListStore) -> None:
    store.save_access_list(build_list(1))
    store.save(b"\xa1af\x09", 2)  # hashes fine, but is no access list
    loaded = store.load_access_list()
    assert loaded.value is not None
    assert loaded.value.version == 1
    assert loaded.status.level == "warning"
    assert loaded.status.message.startswith("current list corrupt (undecodable: ")
    assert loaded.status.problems[0].code == "undecodable"


def test_a_header_version_that_disagrees_with_the_snapshot_is_not_used(
        store: ListStore) -> None:
    store.save_access_list(build_list(1))
    store.save(encode_snapshot(build_list(2)), 7)  # a caller bug: wrong header version
    loaded = store.load_access_list()
    assert loaded.value is not None
    assert loaded.value.version == 1
    assert loaded.status.problems[0].code == "version-mismatch"
    assert "header says version 7, snapshot says 2" in loaded.status.message
