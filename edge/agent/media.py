"""The agent's camera side: camera, face detector, photo store, capture worker, follower.

Everything here is optional for the door: a camera that cannot be opened, a detector
whose model or runtime is missing, a photo folder that cannot be written are logged and
the agent runs on without photos (or without face counts), never without its doors.
"""

from __future__ import annotations

import logging
import time

from edge.agent.photos import PhotoFollower
from edge.camera.config import make_camera
from edge.camera.errors import CameraError
from edge.config import AgentConfig
from edge.door.clock import Clock
from edge.door.events import EventSink
from edge.faces.errors import FaceError
from edge.faces.plugins import FaceDetector, make_detector
from edge.logging_setup import fields
from edge.photos.capture import CaptureWorker
from edge.photos.errors import PhotoError
from edge.photos.store import PhotoStore

log = logging.getLogger(__name__)
PURGE_EVERY_S = 3600.0


class Media:
    """A running capture worker and what it needs; :meth:`start` builds one or None."""

    def __init__(self, capture: CaptureWorker, detector: FaceDetector | None,
                 store: PhotoStore, follower: PhotoFollower) -> None:
        self.capture = capture
        self.detector = detector
        self.store = store
        self.follower = follower
        self._last_purge = 0.0

    @classmethod
    def start(cls, config: AgentConfig, publish: EventSink, clock: Clock) -> Media | None:
        """Open the store, load the detector, open the camera; None (logged) if it cannot."""
        camera_settings = config.camera
        assert camera_settings is not None  # only called with a camera
        try:
            store = PhotoStore(config.photos, clock.time)
            store.open()
            camera = make_camera(camera_settings.kind, camera_settings.options, clock.time)
        except (PhotoError, CameraError) as err:
            log.error("no photos: %s", err)
            return None
        detector: FaceDetector | None = None
        if config.faces is not None:
            try:
                detector = make_detector(config.faces.kind, config.faces.options)
            except FaceError as err:
                log.error("photos without face counts: the %s detector cannot run: %s",
                          config.faces.kind, err)
        capture = CaptureWorker(camera, detector, store, camera_settings.queue_size,
                                clock.time)
        try:
            capture.start()
        except CameraError as err:
            log.error("no photos: camera %s cannot be opened: %s", camera_settings.kind, err)
            if detector is not None:
                detector.close()
            return None
        log.info("camera ready", extra=fields(camera=camera_settings.kind,
                                              detector=None if detector is None
                                              else detector.kind,
                                              photos=str(config.photos.root)))
        return cls(capture, detector, store, PhotoFollower(capture, publish, clock))

    def housekeeping(self, now: float | None = None) -> list[str]:
        """Delete photos past their retention date (at most once an hour); their ids."""
        moment = time.time() if now is None else now
        if moment - self._last_purge < PURGE_EVERY_S:
            return []
        self._last_purge = moment
        try:
            gone = self.store.purge_expired(moment)
        except PhotoError as err:
            log.error("photo retention purge failed: %s", err)
            return []
        if gone:
            log.info("deleted %d photos past their retention date", len(gone))
        return gone

    def stop(self, timeout: float) -> None:
        """Serve the accepted requests (their photo events are published), then close."""
        self.capture.stop(timeout)
        if self.detector is not None:
            self.detector.close()
