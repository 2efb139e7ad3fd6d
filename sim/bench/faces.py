"""``vratnik bench faces``: BlazeFace on the device, speed and accuracy.

* ``detect_ms``: median milliseconds of one whole ``detect()`` on scikit-image's astronaut
  photograph (512x512): letterbox to 128x128, interpreter call, decoding of 896 anchors,
  weighted NMS, mapping back to pixels; next to the bare ``interpreter.invoke()`` on the
  same prepared input, measured in the same run, interleaved round by round so a busy
  machine slows both alike. The ratio is what our Python around the model costs.
* ``preprocess_ms`` / ``postprocess_ms``: the two halves of that overhead.
* ``detection_rate`` / ``false_positive_rate`` on scikit-image's labelled LFW subset (100
  faces, 100 non-faces) for each framing of sim/bench/faces_data.py; the goals are the
  thresholds tests/edge/faces/test_lfw.py asserts. No issue sets a speed limit: a photo
  is taken off the door path (edge/photos/capture.py), so speed decides only how many
  access attempts per second get a face count.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator

from edge.faces.blazeface import INPUT_SIZE, BlazeFaceConfig, BlazeFaceDetector
from edge.faces.letterbox import letterbox
from sim.bench.faces_data import PROTOCOLS, lfw_rates, shipped_photo
from sim.bench.registry import Figure, register

BENCH = "faces"
GOAL_DETECTION = {"pad64": 0.97, "resize128": 0.95}
GOAL_FALSE_POSITIVE = {"pad64": 0.03, "resize128": 0.05}


def _ms(start: int) -> float:
    return (time.perf_counter_ns() - start) / 1e6


@register(BENCH, "BlazeFace face detection: ms per frame vs the bare interpreter call, "
          "detection and false-positive rates on the LFW subset",
          quick={"frames": 10, "lfw_limit": 15})
def bench_faces(frames: int = 200, lfw_limit: int | None = None,
                num_threads: int = 1) -> Iterator[Figure]:
    """Yield the face-detection figures (see the module docstring)."""
    detector = BlazeFaceDetector(BlazeFaceConfig(num_threads=num_threads))
    try:
        image = shipped_photo("astronaut")
        tensor, box = letterbox(image, INPUT_SIZE)
        for _ in range(5):  # warm-up: first calls pay for allocation and caches
            detector.detect(image)
            detector.interpreter.invoke()
        whole: list[float] = []
        bare: list[float] = []
        pre: list[float] = []
        post: list[float] = []
        faces = 0
        for _ in range(frames):
            start = time.perf_counter_ns()
            faces = detector.detect(image).count
            whole.append(_ms(start))
            # detect() left this frame's tensor in the input: invoke() alone runs the model
            start = time.perf_counter_ns()
            detector.interpreter.invoke()
            bare.append(_ms(start))
            start = time.perf_counter_ns()
            letterbox(image, INPUT_SIZE)
            pre.append(_ms(start))
            raw_boxes, raw_scores = detector.infer(tensor)
            start = time.perf_counter_ns()
            detector.postprocess(raw_boxes, raw_scores, box)
            post.append(_ms(start))
        params: dict[str, object] = {"frame": "astronaut 512x512", "frames": frames,
                                     "runtime": detector.runtime, "threads": num_threads,
                                     "faces": faces}
        yield Figure(BENCH, "detect_ms", statistics.median(whole), "ms", "lower",
                     baseline=statistics.median(bare), baseline_name="interpreter.invoke()",
                     params=params)
        yield Figure(BENCH, "preprocess_ms", statistics.median(pre), "ms", "lower",
                     params={"frame": "astronaut 512x512", "frames": frames})
        yield Figure(BENCH, "postprocess_ms", statistics.median(post), "ms", "lower",
                     params={"anchors": len(detector.anchors), "frames": frames})
        for protocol in PROTOCOLS:
            rates = lfw_rates(detector, protocol, lfw_limit)
            lfw: dict[str, object] = {"set": "skimage lfw_subset", "framing": protocol,
                                      "faces": rates.faces, "non_faces": rates.non_faces}
            yield Figure(BENCH, "detection_rate", rates.detection_rate, "fraction", "higher",
                         GOAL_DETECTION[protocol], params=lfw)
            yield Figure(BENCH, "false_positive_rate", rates.false_positive_rate, "fraction",
                         "lower", GOAL_FALSE_POSITIVE[protocol], params=lfw)
    finally:
        detector.close()
