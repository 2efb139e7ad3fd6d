"""Cameras from configuration tables; bad tables name the key and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from edge.camera.config import make_camera
from edge.camera.errors import CameraConfigError
from edge.camera.files import FileCamera
from edge.camera.opencv import OpenCvCamera
from edge.camera.picamera import Picamera2Camera
from sim.bench.faces_data import shipped_photo


def test_each_kind_is_built_with_its_options(tmp_path: Path) -> None:
    Image.fromarray(shipped_photo("astronaut")).save(tmp_path / "a.png")
    files = make_camera("files", {"paths": str(tmp_path / "a.png"), "loop": False})
    assert isinstance(files, FileCamera)
    assert files.config.paths == (str(tmp_path / "a.png"),) and files.config.loop is False
    files.open()
    assert files.grab().width == 512
    opencv = make_camera("opencv", {"device": "/dev/video0", "width": 640, "height": 480})
    assert isinstance(opencv, OpenCvCamera)
    assert (opencv.config.device, opencv.config.width, opencv.config.flush_frames) == (
        "/dev/video0", 640, 1)
    pi = make_camera("picamera2", {})
    assert isinstance(pi, Picamera2Camera)
    assert (pi.config.width, pi.config.height, pi.config.camera_num) == (640, 480, 0)


@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        ("webcam", {}, "unknown camera kind 'webcam'; known: files, opencv, picamera2"),
        ("files", {}, "camera.files.paths must be a non-empty list of file or folder paths"),
        ("files", {"paths": [1]}, "camera.files.paths must be"),
        ("files", {"paths": ["x"], "loop": "yes"}, "camera.files.loop must be true or false"),
        ("files", {"paths": ["x"], "speed": 2}, "unknown option 'speed'; known: loop, paths"),
        ("opencv", {"width": "640", "height": 480}, "camera.opencv.width must be int 1..8192"),
        ("opencv", {"width": 640}, "give both width and height"),
        ("opencv", {"device": True}, "camera.opencv.device must be a device index"),
        ("opencv", {"flush_frames": -1}, "camera.opencv.flush_frames must be int 0..30"),
        ("picamera2", {"camera_num": 9}, "camera.picamera2.camera_num must be int 0..7"),
        ("picamera2", {"fps": 30}, "unknown option 'fps'"),
    ],
)
def test_bad_tables_are_refused(kind: str, options: dict[str, object], message: str) -> None:
    with pytest.raises(CameraConfigError, match=message):
        make_camera(kind, options)
