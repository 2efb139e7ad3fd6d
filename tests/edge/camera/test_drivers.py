"""The OpenCV and picamera2 cameras.

Neither library is installed here (they come from the board's OS), so these tests prove
the clear error when the library is missing, and drive the adapters through small
stand-in modules that record the calls and hand out known pixels: colour order, stale
frame flushing, configuration and release.
"""

from __future__ import annotations

import sys
import types
from typing import Any

import numpy as np
import pytest

from edge.camera.errors import CameraError, CameraUnavailableError
from edge.camera.opencv import OpenCvCamera, OpenCvConfig
from edge.camera.picamera import Picamera2Camera, Picamera2Config

RGB = np.zeros((4, 6, 3), dtype=np.uint8)
RGB[..., 0] = 200  # red
RGB[..., 2] = 10  # a little blue


def test_missing_libraries_say_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cv2", None)
    monkeypatch.setitem(sys.modules, "picamera2", None)
    with pytest.raises(CameraUnavailableError, match="opencv-python-headless"):
        OpenCvCamera(OpenCvConfig()).open()
    with pytest.raises(CameraUnavailableError, match="python3-picamera2"):
        Picamera2Camera(Picamera2Config()).open()


class StandInCapture:
    def __init__(self, device: object, opened: bool = True) -> None:
        self.device = device
        self.opened = opened
        self.calls: list[tuple[Any, ...]] = []
        self.frames_left = 3

    def isOpened(self) -> bool:
        return self.opened

    def set(self, prop: int, value: object) -> bool:
        self.calls.append(("set", prop, value))
        return True

    def grab(self) -> bool:
        self.calls.append(("grab",))
        return True

    def read(self) -> tuple[bool, Any]:
        self.calls.append(("read",))
        self.frames_left -= 1
        if self.frames_left < 0:
            return False, None
        return True, np.ascontiguousarray(RGB[:, :, ::-1])  # OpenCV hands out BGR

    def release(self) -> None:
        self.calls.append(("release",))


def stand_in_cv2(opened: bool = True) -> tuple[types.ModuleType, list[StandInCapture]]:
    made: list[StandInCapture] = []
    module = types.ModuleType("cv2")

    def video_capture(device: object) -> StandInCapture:
        made.append(StandInCapture(device, opened))
        return made[-1]

    module.VideoCapture = video_capture  # type: ignore[attr-defined]
    module.CAP_PROP_BUFFERSIZE = 38  # type: ignore[attr-defined]
    module.CAP_PROP_FRAME_WIDTH = 3  # type: ignore[attr-defined]
    module.CAP_PROP_FRAME_HEIGHT = 4  # type: ignore[attr-defined]
    return module, made


def test_opencv_frames_are_rgb_and_fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    module, made = stand_in_cv2()
    monkeypatch.setitem(sys.modules, "cv2", module)
    camera = OpenCvCamera(OpenCvConfig("/dev/video2", 640, 480, flush_frames=2),
                          clock=lambda: 7.0)
    camera.open()
    frame = camera.grab()
    assert np.array_equal(frame.pixels, RGB)
    assert frame.pixels.flags.c_contiguous
    assert (frame.taken_at, frame.source) == (7.0, "opencv:/dev/video2")
    capture = made[0]
    assert capture.device == "/dev/video2"
    assert capture.calls[:3] == [("set", 38, 1), ("set", 3, 640), ("set", 4, 480)]
    assert capture.calls[3:] == [("grab",), ("grab",), ("read",)]  # two stale frames dropped
    camera.grab()
    camera.grab()
    with pytest.raises(CameraError, match="gave no frame"):
        camera.grab()
    camera.close()
    camera.close()
    assert capture.calls.count(("release",)) == 1
    with pytest.raises(CameraError, match="grab before open"):
        camera.grab()


def test_opencv_device_that_does_not_open(monkeypatch: pytest.MonkeyPatch) -> None:
    module, made = stand_in_cv2(opened=False)
    monkeypatch.setitem(sys.modules, "cv2", module)
    with pytest.raises(CameraUnavailableError, match="cannot open 5"):
        OpenCvCamera(OpenCvConfig(5)).open()
    assert made[0].calls == [("release",)]


class StandInPicamera2:
    instances: list[StandInPicamera2] = []  # noqa: RUF012

    def __init__(self, camera_num: int) -> None:
        self.camera_num = camera_num
        self.calls: list[tuple[Any, ...]] = []
        StandInPicamera2.instances.append(self)

    def create_preview_configuration(self, main: dict[str, Any]) -> dict[str, Any]:
        return {"main": main}

    def configure(self, config: dict[str, Any]) -> None:
        self.calls.append(("configure", config))

    def start(self) -> None:
        self.calls.append(("start",))

    def capture_array(self, stream: str) -> Any:
        self.calls.append(("capture_array", stream))
        return RGB.copy()  # "BGR888" arrays are R, G, B per pixel

    def stop(self) -> None:
        self.calls.append(("stop",))

    def close(self) -> None:
        self.calls.append(("close",))


def test_picamera2_is_configured_for_rgb_and_released(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("picamera2")
    module.Picamera2 = StandInPicamera2  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "picamera2", module)
    StandInPicamera2.instances.clear()
    camera = Picamera2Camera(Picamera2Config(1280, 720, camera_num=1), clock=lambda: 3.5)
    camera.open()
    frame = camera.grab()
    assert np.array_equal(frame.pixels, RGB)
    assert (frame.taken_at, frame.source) == (3.5, "picamera2:1")
    device = StandInPicamera2.instances[0]
    assert device.camera_num == 1
    assert device.calls[0] == ("configure", {"main": {"size": (1280, 720),
                                                      "format": "BGR888"}})
    camera.close()
    assert device.calls[-2:] == [("stop",), ("close",)]


def test_a_device_array_of_the_wrong_shape_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("picamera2")

    class FourChannels(StandInPicamera2):
        def capture_array(self, stream: str) -> Any:
            return np.zeros((4, 4, 4), dtype=np.uint8)

    module.Picamera2 = FourChannels  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "picamera2", module)
    camera = Picamera2Camera(Picamera2Config())
    camera.open()
    with pytest.raises(CameraError, match=r"shape \(4, 4, 4\); expected \(height, width, 3\)"):
        camera.grab()
