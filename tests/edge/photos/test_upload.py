"""Chunked, resumable upload against the hub's side of the proposal (hub_side.py)."""

from __future__ import annotations

import hashlib

import pytest

from edge.photos.errors import UploadError
from edge.photos.store import PhotoStore
from edge.photos.upload import PhotoChunk, PhotoUploader
from tests.edge.photos.conftest import NOW, frame
from tests.edge.photos.hub_side import HubPhotos


def deliver(hub: HubPhotos, uploader: PhotoUploader, chunks: list[PhotoChunk]) -> None:
    for chunk in chunks:
        ack = hub.receive(chunk.fields())
        uploader.on_ack(str(ack["photo"]), int(ack["next"]), bool(ack["done"]))  # type: ignore[call-overload]


def upload_all(hub: HubPhotos, uploader: PhotoUploader, rounds: int = 100) -> int:
    sent = 0
    for _ in range(rounds):
        pending = uploader.pending()
        if not pending:
            return sent
        for photo in pending:
            chunks = uploader.next_chunks(photo)
            sent += len(chunks)
            deliver(hub, uploader, chunks)
    raise AssertionError("upload did not finish")


def test_chunks_carry_id_index_count_hash_and_the_record_first(store: PhotoStore) -> None:
    meta = store.save(7, frame("astronaut"), None)
    assert meta.chunk_count > 4  # several 4 KiB chunks
    chunks = PhotoUploader(store, window=3).next_chunks(meta.photo)
    assert [c.index for c in chunks] == [0, 1, 2]
    data = store.read(meta.photo)
    first = chunks[0].fields()
    assert set(first) == {"photo", "seq", "index", "count", "size", "sha256", "data", "meta"}
    assert (first["photo"], first["seq"], first["count"], first["size"]) == (
        "ev000000000007", 7, meta.chunk_count, len(data))
    assert first["sha256"] == hashlib.sha256(data).digest()
    assert first["meta"] == {"taken": int(NOW), "width": 512, "height": 512, "faces": None,
                             "boxes": [], "retain_until": meta.retain_until}
    assert chunks[1].meta is None
    assert b"".join(c.data for c in chunks) == data[:3 * 4096]


def test_photos_arrive_whole_and_leave_the_edge(store: PhotoStore) -> None:
    metas = [store.save(seq, frame(name), None)
             for seq, name in ((1, "astronaut"), (2, "coffee"), (3, "camera"))]
    expected = {m.photo: store.read(m.photo) for m in metas}
    hub = HubPhotos()
    uploader = PhotoUploader(store, window=4)
    sent = upload_all(hub, uploader)
    assert hub.done == expected
    assert sent == sum(m.chunk_count for m in metas)  # nothing sent twice
    assert hub.meta["ev000000000002"]["retain_until"] == metas[1].retain_until
    assert store.photos() == [] and uploader.pending() == []


def test_upload_resumes_after_a_restart_from_the_hubs_count(store: PhotoStore) -> None:
    meta = store.save(11, frame("astronaut"), None)
    hub = HubPhotos()
    first = PhotoUploader(store, window=2)
    deliver(hub, first, first.next_chunks(meta.photo))  # two chunks confirmed
    in_flight = first.next_chunks(meta.photo)  # published, then the edge loses power
    assert [c.index for c in in_flight] == [2, 3]
    # a new process: the store reopens, in-flight state is gone, progress is on disk
    reopened = PhotoStore(store.config)
    reopened.open()
    assert reopened.get(meta.photo).acked_chunks == 2
    second = PhotoUploader(reopened, window=2)
    assert [c.index for c in second.next_chunks(meta.photo)] == [2, 3]
    second.rewind()
    sent = upload_all(hub, second)
    assert sent == meta.chunk_count - 2  # chunks 0 and 1 were never sent again
    assert hashlib.sha256(hub.done[meta.photo]).hexdigest() == meta.sha256


def test_a_lost_chunk_is_sent_again(store: PhotoStore) -> None:
    meta = store.save(12, frame("astronaut"), None)
    data = store.read(meta.photo)
    hub = HubPhotos()
    uploader = PhotoUploader(store, window=4)
    chunks = uploader.next_chunks(meta.photo)
    deliver(hub, uploader, [chunks[0], *chunks[2:]])  # chunk 1 lost on the way
    assert store.get(meta.photo).acked_chunks == 1
    # the hub answered chunks 2 and 3 with "next: 1" again: resend from chunk 1
    again = uploader.next_chunks(meta.photo)
    assert [c.index for c in again] == [1, 2, 3, 4]
    deliver(hub, uploader, again)
    upload_all(hub, uploader)
    assert hub.done[meta.photo] == data


def test_a_corrupted_transfer_is_refused_by_hash_and_resent(store: PhotoStore) -> None:
    meta = store.save(13, frame("coffee"), None)
    hub = HubPhotos()
    uploader = PhotoUploader(store, window=64)
    chunks = uploader.next_chunks(meta.photo)
    bad = PhotoChunk(**{**chunks[-1].__dict__, "data": b"\x00" + chunks[-1].data[1:]})
    deliver(hub, uploader, [*chunks[:-1], bad])
    assert hub.refused_hashes == 1 and meta.photo not in hub.done
    assert store.get(meta.photo).acked_chunks == 0  # the hub said next: 0
    upload_all(hub, uploader)
    assert hashlib.sha256(hub.done[meta.photo]).hexdigest() == meta.sha256


def test_damaged_local_photo_is_dropped_not_sent(store: PhotoStore) -> None:
    meta = store.save(14, frame("coffee"), None)
    (store.root / (meta.photo + ".jpg")).write_bytes(b"\xff\xd8 bit rot")
    uploader = PhotoUploader(store)
    assert uploader.next_chunks(meta.photo) == []
    assert uploader.pending() == []


def test_acks_that_do_not_fit_are_refused(store: PhotoStore) -> None:
    meta = store.save(15, frame("coffee"), None)
    uploader = PhotoUploader(store)
    with pytest.raises(UploadError, match="does not fit a photo of"):
        uploader.on_ack(meta.photo, meta.chunk_count + 1, False)
    with pytest.raises(UploadError, match="does not fit"):
        uploader.on_ack(meta.photo, 1, True)
    assert uploader.on_ack("ev000000000099", 1, False) is None  # not ours (any more)
    with pytest.raises(UploadError, match=r"window must be 1\.\.64"):
        PhotoUploader(store, window=0)
