"""The capture worker: never blocks the caller, and turns requests into stored photos
with face counts, from a file camera serving real photographs and the real detector."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from edge.camera.errors import CameraError
from edge.camera.files import FileCamera, FileCameraConfig
from edge.camera.port import Frame
from edge.faces.blazeface import BlazeFaceDetector
from edge.faces.errors import FaceError
from edge.faces.types import FaceResult
from edge.photos.capture import CaptureWorker
from edge.photos.errors import PhotoError
from edge.photos.store import PhotoStore
from sim.bench.faces_data import shipped_photo
from tests.edge.photos.conftest import NOW


@pytest.fixture(scope="module")
def detector() -> Iterator[BlazeFaceDetector]:
    found = BlazeFaceDetector()
    yield found
    found.close()


@pytest.fixture
def camera(tmp_path: Path) -> FileCamera:
    folder = tmp_path / "frames"
    folder.mkdir()
    Image.fromarray(shipped_photo("astronaut")).save(folder / "1.png")
    Image.fromarray(shipped_photo("coffee")).save(folder / "2.png")
    return FileCamera(FileCameraConfig((str(folder),)), clock=lambda: NOW)


class GatedCamera:
    """A camera whose grab waits until the test opens the gate (a slow sensor)."""

    kind = "gated"

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.grabbing = threading.Event()
        self.closed = False

    def open(self) -> None:
        pass

    def grab(self) -> Frame:
        self.grabbing.set()
        if not self.gate.wait(30):
            raise CameraError("gate never opened")
        return Frame(shipped_photo("coffee"), NOW, "gated")

    def close(self) -> None:
        self.closed = True


def test_requests_become_photos_with_faces(camera: FileCamera, store: PhotoStore,
                                           detector: BlazeFaceDetector) -> None:
    worker = CaptureWorker(camera, detector, store, clock=lambda: NOW - 1)
    worker.start()
    try:
        first = worker.capture_async(101).result(timeout=30)
        second = worker.capture_async(102).result(timeout=30)
    finally:
        worker.stop()
    assert (first.photo, first.faces, first.error) == ("ev000000000101", 1, None)
    assert (first.requested_at, first.taken_at) == (NOW - 1, NOW)
    x0, y0, x1, y1, _ = first.boxes[0]
    assert 170 <= x0 < x1 <= 280 and 75 <= y0 < y1 <= 185
    assert first.event_fields() == {"faces": 1, "photo": "ev000000000101"}
    assert (second.photo, second.faces, second.boxes) == ("ev000000000102", 0, ())
    assert [m.photo for m in store.photos()] == ["ev000000000101", "ev000000000102"]
    assert store.get("ev000000000101").boxes == first.boxes


def test_the_caller_never_waits_for_the_camera(store: PhotoStore) -> None:
    camera = GatedCamera()
    worker = CaptureWorker(camera, None, store, queue_size=2)
    worker.start()
    try:
        busy = worker.capture_async(1)  # taken by the worker, which now waits on the camera
        assert camera.grabbing.wait(30)
        queued = [worker.capture_async(2), worker.capture_async(3)]  # fill the queue
        refused = worker.capture_async(4)  # returns at once, already answered
        assert refused.done()
        assert refused.result().event_fields() == {"faces": None, "photo": None}
        assert refused.result().error == "capture queue full"
        assert not busy.done() and not any(f.done() for f in queued)
        camera.gate.set()
        results = [f.result(timeout=30) for f in (busy, *queued)]
    finally:
        worker.stop()
    assert [r.photo for r in results] == ["ev000000000001", "ev000000000002",
                                          "ev000000000003"]
    assert all(r.faces is None for r in results)  # no detector configured
    assert worker.refused == 1
    assert camera.closed


def test_failures_give_an_answer_not_a_crash(tmp_path: Path, store: PhotoStore,
                                             detector: BlazeFaceDetector) -> None:
    class BrokenDetector:
        kind = "broken"

        def detect(self, image: np.ndarray) -> FaceResult:
            raise FaceError("model exploded")

        def close(self) -> None:
            pass

    class BuggyCamera(GatedCamera):
        def grab(self) -> Frame:
            raise ZeroDivisionError("bug in a driver")

    empty = FileCamera(FileCameraConfig((str(tmp_path),), loop=False))
    (tmp_path / "only.png").write_bytes(b"")  # unreadable: the camera gives no frame
    worker = CaptureWorker(empty, detector, store)
    worker.start()
    no_frame = worker.capture_async(1).result(timeout=30)
    worker.stop()
    assert no_frame.photo is None and "cannot read" in (no_frame.error or "")

    gated = GatedCamera()
    gated.gate.set()
    worker = CaptureWorker(gated, BrokenDetector(), store)
    worker.start()
    kept = worker.capture_async(2).result(timeout=30)
    duplicate = worker.capture_async(2).result(timeout=30)  # the store refuses seq 2 again
    worker.stop()
    assert (kept.photo, kept.faces, kept.error) == ("ev000000000002", None, "model exploded")
    assert duplicate.photo is None and "already exists" in (duplicate.error or "")

    worker = CaptureWorker(BuggyCamera(), None, store)
    worker.start()
    bug = worker.capture_async(3).result(timeout=30)
    after = worker.capture_async(4)  # the worker survived the bug
    assert after.result(timeout=30).error == "ZeroDivisionError: bug in a driver"
    worker.stop()
    assert bug.error == "ZeroDivisionError: bug in a driver"


def test_not_running_and_bad_input(store: PhotoStore) -> None:
    worker = CaptureWorker(GatedCamera(), None, store)
    early = worker.capture_async(1)
    assert early.done() and early.result().error == "capture worker is not running"
    with pytest.raises(PhotoError, match="event seq must be"):
        worker.capture_async(0)
    with pytest.raises(PhotoError, match=r"queue_size must be 1\.\.256"):
        CaptureWorker(GatedCamera(), None, store, queue_size=0)
    worker.start()
    with pytest.raises(PhotoError, match="already started"):
        worker.start()
    worker.stop()
    late = worker.capture_async(2)
    assert late.result().error == "capture worker is not running"
