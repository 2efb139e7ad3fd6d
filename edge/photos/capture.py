"""Photo capture off the card-to-relay path: a worker thread fed through a bounded queue.

The door path calls :meth:`CaptureWorker.capture_async` with the event's seq and gets a
``Future`` back at once; it never waits for the camera, the detector or the disk. The
worker grabs a frame, finds faces, stores the JPEG and resolves the future with a
:class:`CaptureResult` (photo id, face count, boxes) for the event record. When the
queue is full the request is refused at once (the future is already resolved, with no
photo) rather than delaying anyone: a burst of badge reads must not pile up photos that
would be taken seconds too late to show who was at the door.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from edge.camera.errors import CameraError
from edge.camera.port import Camera
from edge.faces.errors import FaceError
from edge.faces.plugins import FaceDetector
from edge.faces.types import FaceResult
from edge.photos.errors import PhotoError
from edge.photos.meta import Box, photo_id
from edge.photos.store import PhotoStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaptureResult:
    """What became of one capture request. ``photo`` None: no photo was stored; ``faces``
    None: no face count (no photo, or no detector, or it failed)."""

    event_seq: int
    photo: str | None
    faces: int | None
    boxes: tuple[Box, ...]
    requested_at: float
    taken_at: float | None
    error: str | None = None

    def event_fields(self) -> dict[str, object]:
        """The ``faces`` and ``photo`` fields of the wire ``event`` (docs/wire.md)."""
        if self.photo is None:
            return {"faces": None, "photo": None}
        return {"faces": None if self.faces is None else min(self.faces, 255),
                "photo": self.photo}


@dataclass(frozen=True)
class _Request:
    event_seq: int
    requested_at: float
    future: Future[CaptureResult]


_STOP = object()


class CaptureWorker:
    """One thread that owns the camera and the detector (neither is thread-safe)."""

    def __init__(self, camera: Camera, detector: FaceDetector | None, store: PhotoStore,
                 queue_size: int = 4, clock: Callable[[], float] = time.time) -> None:
        if not 1 <= queue_size <= 256:
            raise PhotoError(f"capture queue_size must be 1..256, got {queue_size}")
        self.camera = camera
        self.detector = detector
        self.store = store
        self._clock = clock
        self._queue: queue.Queue[_Request | object] = queue.Queue(maxsize=queue_size)
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.refused = 0  # requests refused because the queue was full or stopped

    def start(self) -> None:
        """Open the camera and start the worker thread."""
        if self._thread is not None:
            raise PhotoError("capture worker already started")
        self.camera.open()
        self._thread = threading.Thread(target=self._run, name="photo-capture", daemon=True)
        self._thread.start()

    def capture_async(self, event_seq: int) -> Future[CaptureResult]:
        """Ask for the photo of event ``event_seq``; returns at once, never blocks."""
        photo_id(event_seq)  # a bad seq is the caller's bug: say so now, not in the worker
        now = self._clock()
        future: Future[CaptureResult] = Future()
        request = _Request(event_seq, now, future)
        if self._thread is None or self._stopping.is_set():
            return self._refuse(request, "capture worker is not running")
        try:
            self._queue.put_nowait(request)
        except queue.Full:
            return self._refuse(request, "capture queue full")
        return future

    def _refuse(self, request: _Request, why: str) -> Future[CaptureResult]:
        self.refused += 1
        log.warning("no photo for event %d: %s", request.event_seq, why)
        request.future.set_result(CaptureResult(request.event_seq, None, None, (),
                                                request.requested_at, None, why))
        return request.future

    def stop(self, timeout: float = 5.0) -> None:
        """Finish the queued requests, stop the thread, close the camera (the detector
        belongs to whoever made it)."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)  # after every accepted request: they are served first
            thread.join(timeout)
            if thread.is_alive():
                log.error("capture worker did not stop within %.1f s", timeout)
        while True:  # only if the thread died or timed out: do not leave futures hanging
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, _Request):
                self._refuse(item, "capture worker stopped")
        self.camera.close()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP or not isinstance(item, _Request):
                return
            try:
                result = self._capture(item)
            except Exception as err:  # the worker must outlive any bug: log it, answer
                log.exception("capture for event %d failed", item.event_seq)
                result = CaptureResult(item.event_seq, None, None, (), item.requested_at,
                                       None, f"{type(err).__name__}: {err}")
            item.future.set_result(result)

    def _capture(self, request: _Request) -> CaptureResult:
        seq = request.event_seq
        try:
            frame = self.camera.grab()
        except CameraError as err:
            log.warning("no photo for event %d: %s", seq, err)
            return CaptureResult(seq, None, None, (), request.requested_at, None, str(err))
        faces: FaceResult | None = None
        error: str | None = None
        if self.detector is not None:
            try:
                faces = self.detector.detect(frame.pixels)
            except FaceError as err:  # keep the photo: a person can still look at it
                log.warning("face detection failed for event %d: %s", seq, err)
                error = str(err)
        try:
            meta = self.store.save(seq, frame, faces)
        except PhotoError as err:
            log.warning("photo of event %d not stored: %s", seq, err)
            return CaptureResult(seq, None, None, (), request.requested_at, frame.taken_at,
                                 str(err))
        return CaptureResult(seq, meta.photo, meta.faces, meta.boxes, request.requested_at,
                             frame.taken_at, error)
