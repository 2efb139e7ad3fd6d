"""The file-backed camera serves real photographs in order, as RGB frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from edge.camera.errors import CameraError, CameraUnavailableError
from edge.camera.files import FileCamera, FileCameraConfig
from sim.bench.faces_data import shipped_photo


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    Image.fromarray(shipped_photo("astronaut")).save(tmp_path / "a_astronaut.png")
    Image.fromarray(shipped_photo("camera")).save(tmp_path / "b_camera.png")  # grey
    Image.fromarray(shipped_photo("coffee")).save(tmp_path / "c_coffee.jpg", quality=90)
    (tmp_path / "notes.txt").write_text("not an image")
    return tmp_path


def test_folder_is_served_in_name_order_and_loops(photos: Path) -> None:
    ticks = iter(range(100, 200))
    camera = FileCamera(FileCameraConfig((str(photos),)), clock=lambda: float(next(ticks)))
    camera.open()
    frames = [camera.grab() for _ in range(4)]
    assert [Path(f.source).name for f in frames] == [
        "a_astronaut.png", "b_camera.png", "c_coffee.jpg", "a_astronaut.png"]
    assert [f.taken_at for f in frames] == [100.0, 101.0, 102.0, 103.0]
    assert np.array_equal(frames[0].pixels, shipped_photo("astronaut"))  # PNG is lossless
    assert frames[1].pixels.shape == (512, 512, 3)  # grey becomes RGB
    assert np.array_equal(frames[1].pixels[:, :, 0], shipped_photo("camera"))
    assert (frames[2].width, frames[2].height) == (600, 400)
    camera.close()
    with pytest.raises(CameraError, match="grab before open"):
        camera.grab()


def test_without_loop_the_camera_runs_out(photos: Path) -> None:
    camera = FileCamera(FileCameraConfig((str(photos / "c_coffee.jpg"),), loop=False))
    camera.open()
    assert camera.grab().pixels.dtype == np.uint8
    with pytest.raises(CameraError, match="all 1 images served"):
        camera.grab()


def test_missing_empty_and_broken_sources(tmp_path: Path) -> None:
    with pytest.raises(CameraUnavailableError, match="neither an image file nor a folder"):
        FileCamera(FileCameraConfig((str(tmp_path / "absent"),))).open()
    with pytest.raises(CameraUnavailableError, match=r"no \.jpg/\.jpeg/\.png images"):
        FileCamera(FileCameraConfig((str(tmp_path),))).open()
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 truncated")
    camera = FileCamera(FileCameraConfig((str(broken),)))
    camera.open()
    with pytest.raises(CameraError, match=r"cannot read .*broken\.jpg"):
        camera.grab()
