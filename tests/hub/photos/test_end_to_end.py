"""Access photos from the real edge (EdgeSync + edge/photos) to the hub over a real
Mosquitto: a photo captured for an event arrives intact with its face count and linked
to its event; a broker restart mid-photo resumes from the hub's last ack without sending
an acknowledged chunk again; a corrupted chunk makes the hub refuse the photo by its
SHA-256 and the edge sends it again."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from edge.camera.files import FileCamera, FileCameraConfig
from edge.faces.blazeface import BlazeFaceDetector
from edge.photos.capture import CaptureWorker
from edge.photos.store import PhotoStore, PhotoStoreConfig
from edge.photos.upload import PhotoChunk
from edge.sync import EdgeSync, MemoryDoors, SyncConfig
from edge.sync.outgoing import Outgoing
from hub.events.models import Event
from hub.photos.ingest import photo_for_event
from hub.photos.models import AccessPhoto
from hub.sync.keys import current_key
from hub.sync.models import ControllerSync
from hub.sync.service import SyncService
from sim.bench.faces_data import shipped_photo
from tests.hub.sync.conftest import HubFactory, Plant, build_plant, eventually
from tests.mqtt import MosquittoBroker

CHUNK = 4096  # small chunks: a real photo is a dozen of them


class PhotoEdge:
    """A started EdgeSync with a photo store, recording every photo chunk it publishes."""

    def __init__(self, edge: EdgeSync, store: PhotoStore) -> None:
        self.edge = edge
        self.store = store
        self.sent: list[tuple[str, int]] = []  # (photo, index) in publishing order
        self.acks: list[dict[str, Any]] = []
        original_send = edge._send

        def recording_send(messages: list[Outgoing]) -> None:
            for out in messages:
                if out.msg_type == "photo_chunk":
                    self.sent.append((str(out.fields["photo"]), int(str(out.fields["index"]))))
            original_send(messages)

        edge._send = recording_send  # type: ignore[method-assign]
        sender = edge.photos
        assert sender is not None
        original_ack = sender.on_ack

        def recording_ack(fields: dict[str, Any]) -> list[Outgoing]:
            self.acks.append(dict(fields))
            return original_ack(fields)

        sender.on_ack = recording_ack  # type: ignore[method-assign]


EdgeFactory = Callable[..., PhotoEdge]


@pytest.fixture(scope="module")
def plant(sessions: sessionmaker[Session]) -> Plant:
    """One site for the module: every site in the database is one more broker link for
    each later test's hub. The edges keep their data folders across the tests, so their
    event seqs (and so photo ids) go on rather than start again at 1."""
    return build_plant(sessions)


@pytest.fixture(scope="module")
def edge_dirs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("photo-edges")


@pytest.fixture
def photo_edge(plant: Plant, sessions: sessionmaker[Session], mosquitto: MosquittoBroker,
               edge_dirs: Path) -> Iterator[EdgeFactory]:
    started: list[EdgeSync] = []

    def factory(code: str, broker_url: str | None = None) -> PhotoEdge:
        with sessions() as db:
            key = current_key(db, plant.controllers[code])
            db.commit()
        edge = EdgeSync(SyncConfig(
            broker_url=broker_url or mosquitto.url, site=plant.site, controller=code,
            key_id=key.kid, device_key=key.key, data_dir=edge_dirs / code, reconnect_min=0.05,
            reconnect_max=0.5, ack_timeout=2.0, readers=((1, "sim"),)), MemoryDoors([1]))
        store = PhotoStore(PhotoStoreConfig(edge_dirs / code / "photos", chunk_size=CHUNK))
        store.open()
        edge.attach_photos(store)
        wrapped = PhotoEdge(edge, store)
        edge.start()
        started.append(edge)

        def online() -> bool:
            with sessions() as db:
                row = db.get(ControllerSync, plant.controllers[code])
                return row is not None and row.online

        eventually(online, timeout=10)
        return wrapped

    yield factory
    for edge in started:
        edge.stop()


@pytest.fixture(scope="module")
def detector() -> Iterator[BlazeFaceDetector]:
    found = BlazeFaceDetector()
    yield found
    found.close()


def _capture(store: PhotoStore, detector: BlazeFaceDetector, seq: int, folder: Path) -> bytes:
    """Take the photo of event ``seq`` with the real capture worker; its JPEG bytes."""
    folder.mkdir(exist_ok=True)
    Image.fromarray(shipped_photo("astronaut")).save(folder / "1.png")
    worker = CaptureWorker(FileCamera(FileCameraConfig((str(folder),))), detector, store)
    worker.start()
    try:
        result = worker.capture_async(seq).result(timeout=30)
    finally:
        worker.stop()
    assert result.photo is not None and result.faces == 1, result
    return store.read(result.photo)


def _stored(sessions: sessionmaker[Session], ctl: int, photo: str) -> AccessPhoto | None:
    with sessions() as db:
        row = db.scalar(select(AccessPhoto).where(AccessPhoto.controller_id == ctl,
                                                  AccessPhoto.photo == photo,
                                                  AccessPhoto.complete.is_(True)))
        if row is not None:
            db.expunge(row)
        return row


def _gated_upload(edge: PhotoEdge, *, after_next: int) -> tuple[threading.Event,
                                                                threading.Event]:
    """Hold the edge's worker once the hub has acknowledged ``after_next`` chunks."""
    reached, release = threading.Event(), threading.Event()
    sender = edge.edge.photos
    assert sender is not None
    uploader = sender.uploader
    original = uploader.on_ack

    def gated(photo: str, next_index: int, done: bool) -> Any:
        result = original(photo, next_index, done)
        if next_index == after_next and not reached.is_set():
            reached.set()
            assert release.wait(30)
        return result

    uploader.on_ack = gated  # type: ignore[method-assign]
    return reached, release


def test_a_captured_photo_reaches_the_hub_intact_with_its_face_count(
        hub: SyncService, plant: Plant, sessions: sessionmaker[Session],
        photo_edge: EdgeFactory, detector: BlazeFaceDetector, tmp_path: Path) -> None:
    edge = photo_edge("door-1")
    seq = edge.edge.record_event("access", 1_767_261_600, reader=1, door=1, card=None,
                                 reason=0, granted=True)
    jpeg = _capture(edge.store, detector, seq, tmp_path / "frames")
    photo = f"ev{seq:012d}"
    edge.edge.notify_photos()
    ctl = plant.controllers["door-1"]
    row = eventually(lambda: _stored(sessions, ctl, photo), timeout=15)
    assert isinstance(row, AccessPhoto)
    assert row.data == jpeg and row.sha256 == hashlib.sha256(jpeg).digest()
    assert row.faces == 1 and len(row.boxes) == 1 and row.seq == seq
    assert row.chunk_count == -(-len(jpeg) // CHUNK) > 3
    with sessions() as db:
        event = db.scalars(select(Event).where(Event.controller_id == ctl,
                                               Event.seq == seq)).one()
        found = photo_for_event(db, event)
        assert found is not None and found.id == row.id
    # confirmed: the edge deleted its copy, and sent every chunk exactly once
    eventually(lambda: edge.store.photos() == [])
    assert sorted(edge.sent) == [(photo, i) for i in range(row.chunk_count)]


@pytest.fixture
def own_broker() -> Iterator[MosquittoBroker]:
    """A broker of this test alone: killing it must not disturb the session's shared one."""
    with MosquittoBroker() as broker:
        yield broker


def test_upload_resumes_after_a_broker_restart_without_resending_acknowledged_chunks(
        own_broker: MosquittoBroker, hub_factory: HubFactory, plant: Plant,
        sessions: sessionmaker[Session], photo_edge: EdgeFactory,
        detector: BlazeFaceDetector, tmp_path: Path) -> None:
    # own_broker comes first: set up first, torn down last, after the hub and the edge
    # (a hub stopped after its broker is gone waits for every link to give up)
    hub_factory(own_broker.url)
    edge = photo_edge("door-2", own_broker.url)
    seq = edge.edge.record_event("access", 1_767_261_600, reader=1, door=1, granted=True)
    reached, release = _gated_upload(edge, after_next=3)
    jpeg = _capture(edge.store, detector, seq, tmp_path / "frames")
    photo = f"ev{seq:012d}"
    edge.edge.notify_photos()
    assert reached.wait(15)
    assert edge.store.get(photo).acked_chunks == 3  # persisted before the broker goes
    own_broker.restart(kill=True)
    restarted_at = len(edge.sent)
    release.set()
    ctl = plant.controllers["door-2"]
    row = eventually(lambda: _stored(sessions, ctl, photo), timeout=30)
    assert isinstance(row, AccessPhoto) and row.data == jpeg
    after = [index for name, index in edge.sent[restarted_at:] if name == photo]
    assert after and min(after) >= 3, after  # chunks 0..2 were acknowledged: never again
    assert [index for _name, index in edge.sent].count(0) == 1
    eventually(lambda: edge.store.photos() == [])


def test_a_corrupted_chunk_is_refused_by_hash_and_the_photo_sent_again(
        hub: SyncService, plant: Plant, sessions: sessionmaker[Session],
        photo_edge: EdgeFactory, detector: BlazeFaceDetector, tmp_path: Path) -> None:
    edge = photo_edge("door-1")
    sender = edge.edge.photos
    assert sender is not None
    uploader = sender.uploader
    original = uploader.next_chunks
    corrupted: list[int] = []

    def corrupting(photo: str) -> list[PhotoChunk]:
        chunks = original(photo)
        if not corrupted:
            for n, part in enumerate(chunks):
                if part.index == 1:  # one flipped bit on the way, once
                    data = bytes([part.data[0] ^ 0x01]) + part.data[1:]
                    chunks[n] = PhotoChunk(part.photo, part.seq, part.index, part.count,
                                           part.size, part.sha256, data, part.meta)
                    corrupted.append(part.index)
        return chunks

    uploader.next_chunks = corrupting  # type: ignore[method-assign]
    seq = edge.edge.record_event("access", 1_767_261_600, reader=1, door=1, granted=True)
    jpeg = _capture(edge.store, detector, seq, tmp_path / "frames")
    photo = f"ev{seq:012d}"
    edge.edge.notify_photos()
    ctl = plant.controllers["door-1"]
    row = eventually(lambda: _stored(sessions, ctl, photo), timeout=20)
    assert isinstance(row, AccessPhoto) and row.data == jpeg
    assert corrupted == [1]
    refused = [a for a in edge.acks if a["photo"] == photo and a["next"] == 0]
    assert refused and not refused[0]["done"]  # the hub said: start again
    assert [index for name, index in edge.sent if name == photo].count(0) == 2  # sent again
    eventually(lambda: edge.store.photos() == [])  # confirmed at last: the edge let it go
    assert {"photo": photo, "next": row.chunk_count, "done": True} in edge.acks
