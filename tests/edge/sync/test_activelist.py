"""ActiveList: a delta never touches the list in use; failures leave it active."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from edge.store.listfile import ListStore
from edge.sync.activelist import ActiveList, ListUpdateError
from protocols.portable.accesslist import (
    AccessListBuilder,
    Delta,
    apply_delta,
    content_hash,
    decode_snapshot,
    encode_delta,
    encode_snapshot,
)
from tests.edge.sync.helpers import make_list


def _two_reader_list() -> bytes:
    builder = AccessListBuilder(1, site="plant", controller="c1", salt=b"s" * 16)
    builder.reader(1)
    builder.reader(2)
    always = builder.schedule([(0, 0xFFFFFFFF)])
    profile = builder.profile({1: always, 2: always})
    for key in range(100, 200, 3):
        builder.card(key, profile, pin="1234" if key == 100 else None)
    return encode_snapshot(builder.build())


def _installed(tmp_path: Path, snapshot: bytes) -> ActiveList:
    active = ActiveList(ListStore(tmp_path), "c1")
    active.install_snapshot(snapshot, hashlib.sha256(snapshot).digest())
    return active


def test_a_delta_builds_a_new_list_and_leaves_the_old_one_intact(tmp_path: Path) -> None:
    snapshot = _two_reader_list()
    active = _installed(tmp_path, snapshot)
    old = active.current
    assert old is not None
    delta = Delta(1, 2)
    delta.remove_reader(2)  # edits every profile map in place when applied
    delta.upsert_card(5000, 0, 10, 20)  # a new validity term: compaction appends to terms
    delta.remove_card(103)
    delta.set_pin(100, None)
    expected = make_reference(snapshot, delta)
    delta.hash = expected
    installed = active.apply_delta(encode_delta(delta))
    assert installed is not None and installed.hash == expected
    assert encode_snapshot(old) == snapshot  # the list decide() may still hold: unchanged
    assert old.version == 1 and 2 in old.readers and old.lookup(103) is not None
    new = active.current
    assert new is not None and new is not old and content_hash(new) == expected
    stored = ListStore(tmp_path).load_snapshot()
    assert stored.stored is not None and stored.stored.version == 2


def make_reference(snapshot: bytes, delta: Delta) -> bytes:
    reference = decode_snapshot(snapshot)
    apply_delta(reference, delta)
    return content_hash(reference)


def test_failed_updates_leave_the_active_list(tmp_path: Path) -> None:
    snapshot = _two_reader_list()
    active = _installed(tmp_path, snapshot)
    before = active.current
    bad_hash = Delta(1, 2)
    bad_hash.upsert_card(7, 0)
    bad_hash.hash = b"\x00" * 32
    wrong_base = Delta(5, 6)
    bad_op = Delta(1, 2)
    bad_op.remove_card(999_999)  # not listed
    for delta, code in [(bad_hash, "hash_mismatch"), (wrong_base, "base_mismatch"),
                        (bad_op, "invalid")]:
        with pytest.raises(ListUpdateError) as caught:
            active.apply_delta(encode_delta(delta))
        assert caught.value.code == code
        assert active.current is before and active.version == 1
    with pytest.raises(ListUpdateError) as caught:
        active.apply_delta(b"\xa0")
    assert caught.value.code == "invalid"
    assert active.apply_delta(encode_delta(Delta(0, 1))) is None  # stale: ignored
    other = encode_snapshot(make_list("someone-else", 9, [1]))
    with pytest.raises(ListUpdateError) as caught:
        active.install_snapshot(other, hashlib.sha256(other).digest())
    assert caught.value.code == "invalid" and active.current is before
