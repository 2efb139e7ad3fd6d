"""Pictures for the simulated cameras: scikit-image's sample photographs, or files.

A name that scikit-image ships (``astronaut``: one face; ``coffee``, ``chelsea``: none)
is written once as a JPEG into the simulation's camera folder; anything else is a path
to an image file, relative to the scenario file. The agents' ``files`` camera serves
them in turn, one per access.
"""

from __future__ import annotations

from pathlib import Path

from sim.errors import ScenarioError

SAMPLE_NAMES = ("astronaut", "coffee", "chelsea", "camera", "rocket")


def camera_images(names: tuple[str, ...], folder: Path, base: Path) -> tuple[Path, ...]:
    """The image files for ``names``; ScenarioError naming the one that is missing."""
    paths: list[Path] = []
    for index, name in enumerate(names):
        if name in SAMPLE_NAMES:
            paths.append(_sample(name, folder))
            continue
        path = (base / name).resolve()
        if not path.is_file():
            raise ScenarioError(f"camera.images[{index}]: {name!r} is neither a scikit-image "
                                f"sample ({', '.join(SAMPLE_NAMES)}) nor an image file")
        paths.append(path)
    return tuple(paths)


def _sample(name: str, folder: Path) -> Path:
    path = folder / f"{name}.jpg"
    if path.is_file():
        return path.resolve()
    import numpy as np  # noqa: PLC0415 - only when a sample is needed
    from PIL import Image  # noqa: PLC0415
    from skimage import data  # noqa: PLC0415

    pixels = np.asarray(getattr(data, name)())
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    Image.fromarray(pixels).convert("RGB").save(tmp, format="JPEG", quality=90)
    tmp.replace(path)
    return path.resolve()
