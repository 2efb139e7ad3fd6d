"""The local photo store: JPEG + record per event, crash leftovers, retention, capacity."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from edge.faces.blazeface import BlazeFaceDetector
from edge.photos.errors import (
    PhotoCorruptError,
    PhotoNotFoundError,
    PhotoStoreError,
)
from edge.photos.meta import PhotoMeta, photo_id
from edge.photos.store import DAY, PhotoStore, PhotoStoreConfig
from tests.edge.photos.conftest import NOW, frame


@pytest.fixture(scope="module")
def detector() -> BlazeFaceDetector:
    return BlazeFaceDetector()


def test_photo_ids_are_wire_ids_that_sort_like_the_seq() -> None:
    assert photo_id(42) == "ev000000000042"
    assert photo_id(2**63 - 1) == "ev9223372036854775807"
    for bad in (0, -1, 2**63, True, "7"):
        with pytest.raises(PhotoStoreError, match="event seq must be an int"):
            photo_id(bad)  # type: ignore[arg-type]


def test_save_writes_a_jpeg_and_its_record(store: PhotoStore,
                                           detector: BlazeFaceDetector) -> None:
    shot = frame("astronaut", taken_at=NOW + 0.7)
    faces = detector.detect(shot.pixels)
    meta = store.save(42, shot, faces)
    jpeg = store.root / "ev000000000042.jpg"
    record = json.loads((store.root / "ev000000000042.json").read_text())
    data = jpeg.read_bytes()
    assert data[:2] == b"\xff\xd8"
    assert meta.size == len(data) == record["size"]
    assert meta.sha256 == hashlib.sha256(data).hexdigest() == record["sha256"]
    assert (record["seq"], record["taken_at"], record["width"], record["height"]) == (
        42, int(NOW), 512, 512)
    assert record["faces"] == 1
    x0, y0, x1, y1, score = record["boxes"][0]
    assert 170 <= x0 <= 190 and 75 <= y0 <= 95 and 260 <= x1 <= 280 and 165 <= y1 <= 185
    assert 800 <= score <= 1000  # thousandths
    assert record["retain_until"] == int(NOW) + 60 * DAY  # SPEC §9: 60 days by default
    assert (record["acked_chunks"], record["uploaded"]) == (0, False)
    decoded = np.asarray(Image.open(io.BytesIO(data)))
    assert decoded.shape == (512, 512, 3)
    assert np.abs(decoded.astype(int) - shot.pixels.astype(int)).mean() < 6  # quality 85
    assert store.read(meta.photo) == data
    assert not list(store.root.glob("*.tmp"))


def test_no_detector_means_no_face_count(store: PhotoStore) -> None:
    meta = store.save(1, frame("coffee"), None)
    assert (meta.faces, meta.boxes) == (None, ())


def test_reopen_loads_records_and_drops_crash_leftovers(store: PhotoStore) -> None:
    kept = store.save(5, frame("coffee"), None)
    (store.root / "ev000000000006.jpg").write_bytes(b"\xff\xd8 half a save")  # no record
    (store.root / "ev000000000007.jpg.tmp").write_bytes(b"partial")
    (store.root / "ev000000000008.json").write_text("{not json")
    (store.root / "ev000000000008.jpg").write_bytes(b"\xff\xd8")
    again = PhotoStore(store.config)
    again.open()
    assert [m.photo for m in again.photos()] == [kept.photo]
    assert again.get(kept.photo) == kept
    assert sorted(p.name for p in store.root.iterdir()) == [
        "ev000000000005.jpg", "ev000000000005.json"]


def test_duplicate_and_unknown_photos(store: PhotoStore) -> None:
    store.save(9, frame("coffee"), None)
    with pytest.raises(PhotoStoreError, match="ev000000000009 already exists"):
        store.save(9, frame("coffee"), None)
    with pytest.raises(PhotoNotFoundError, match="no photo 'ev000000000010'"):
        store.get("ev000000000010")


def test_damaged_jpeg_is_detected_on_read(store: PhotoStore) -> None:
    meta = store.save(3, frame("coffee"), None)
    path = store.root / (meta.photo + ".jpg")
    data = bytearray(path.read_bytes())
    data[1000] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(PhotoCorruptError, match="does not match its record"):
        store.read(meta.photo)


def test_retention_deletes_expired_photos_uploaded_or_not(store: PhotoStore) -> None:
    old = store.save(1, frame("coffee", taken_at=NOW - 61 * DAY), None)
    young = store.save(2, frame("coffee", taken_at=NOW - 59 * DAY), None)
    assert store.purge_expired() == [old.photo]
    assert [m.photo for m in store.photos()] == [young.photo]
    assert not (store.root / (old.photo + ".jpg")).exists()
    assert store.purge_expired(NOW + 1 * DAY) == [young.photo]


def test_confirmed_photos_leave_unless_kept(tmp_path: Path) -> None:
    keep = PhotoStore(PhotoStoreConfig(tmp_path / "keep", keep_uploaded=True))
    keep.open()
    meta = keep.save(1, frame("coffee"), None)
    keep.record_progress(meta.photo, meta.chunk_count, True)
    assert keep.get(meta.photo).uploaded is True
    reopened = PhotoStore(keep.config)
    reopened.open()
    assert reopened.get(meta.photo).uploaded is True
    drop = PhotoStore(PhotoStoreConfig(tmp_path / "drop"))
    drop.open()
    meta = drop.save(1, frame("coffee"), None)
    drop.record_progress(meta.photo, 1, False)
    assert drop.get(meta.photo).acked_chunks == 1
    drop.record_progress(meta.photo, meta.chunk_count, True)
    assert drop.photos() == []
    assert list(drop.root.iterdir()) == []


def test_full_store_drops_uploaded_then_oldest(tmp_path: Path) -> None:
    config = PhotoStoreConfig(tmp_path / "p", max_bytes=1024 * 1024, keep_uploaded=True,
                              jpeg_quality=95)
    store = PhotoStore(config)
    store.open()
    sizes = []
    seq = 0
    while sum(sizes) < 900 * 1024:  # fill most of the MiB with real photographs
        seq += 1
        sizes.append(store.save(seq, frame("astronaut" if seq % 2 else "chelsea"), None).size)
    store.record_progress(photo_id(3), 1, True)
    uploaded = {3}
    for extra in range(seq + 1, seq + 4):  # three more: the confirmed one, then the oldest
        before = {m.seq: m.size for m in store.photos()}
        incoming = store.save(extra, frame("astronaut"), None).size
        # the policy, computed independently: confirmed photos first, then oldest first
        expected = dict(before)
        for victim in sorted(before, key=lambda s: (s not in uploaded, s)):
            if sum(expected.values()) + incoming <= config.max_bytes:
                break
            del expected[victim]
        assert [m.seq for m in store.photos()] == [*sorted(expected), extra]
        assert sum(m.size for m in store.photos()) <= config.max_bytes
    left = [m.seq for m in store.photos()]
    assert 3 not in left and 1 not in left and 2 not in left
    assert left[-3:] == [seq + 1, seq + 2, seq + 3]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"retention_days": 0}, "retention_days must be 1..3650"),
        ({"jpeg_quality": 100}, "jpeg_quality must be 1..95"),
        ({"chunk_size": 10}, "chunk_size must be 1024..262144"),
        ({"max_bytes": 10}, "max_bytes must be at least 1 MiB"),
    ],
)
def test_bad_store_options(tmp_path: Path, options: dict[str, int], message: str) -> None:
    with pytest.raises(PhotoStoreError, match=message):
        PhotoStoreConfig(tmp_path, **options)  # type: ignore[arg-type]


def test_records_that_lie_are_refused(store: PhotoStore) -> None:
    good = store.save(4, frame("coffee"), None).to_json()
    record = json.loads(good)
    with pytest.raises(PhotoStoreError, match="bad or missing field"):
        PhotoMeta.from_json(json.dumps({**record, "seq": -4}).encode(), "x.json")
    with pytest.raises(PhotoStoreError, match="inconsistent photo record"):
        PhotoMeta.from_json(json.dumps({**record, "seq": 5}).encode(), "x.json")
    with pytest.raises(PhotoStoreError, match="a box is"):
        PhotoMeta.from_json(json.dumps({**record, "boxes": [[1, 2]]}).encode(), "x.json")
    with pytest.raises(PhotoStoreError, match="not a version 1"):
        PhotoMeta.from_json(b"[]", "x.json")
    assert PhotoMeta.from_json(good, "x.json").photo == "ev000000000004"
