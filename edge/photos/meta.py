"""A stored photo's metadata: the JSON file next to its JPEG.

Everything the hub needs besides the picture: which event it belongs to, when it was
taken, the faces found (boxes in the photo's pixels, scores in thousandths so no float
goes on the wire), the retention tag, the content hash, and the upload progress.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace

from edge.photos.errors import PhotoStoreError
from protocols.portable.names import name_problem

FORMAT_VERSION = 1
SEQ_MAX = (1 << 63) - 1
Box = tuple[int, int, int, int, int]  # x0, y0, x1, y1 in pixels, score in thousandths


def photo_id(event_seq: int) -> str:
    """The photo of event ``event_seq``: ``ev`` and the zero-padded seq, a wire id that
    sorts like the seq (12 digits cover a trillion events)."""
    if isinstance(event_seq, bool) or not isinstance(event_seq, int) \
            or not 1 <= event_seq <= SEQ_MAX:
        raise PhotoStoreError(f"event seq must be an int 1..2^63-1, got {event_seq!r}")
    return f"ev{event_seq:012d}"


@dataclass(frozen=True)
class PhotoMeta:
    """One photo's record. ``faces`` is None when no detector ran (or it failed)."""

    photo: str
    seq: int
    taken_at: int  # unix seconds, UTC
    width: int
    height: int
    faces: int | None
    boxes: tuple[Box, ...]
    size: int  # bytes of the JPEG
    sha256: str  # hex of the JPEG's SHA-256
    retain_until: int  # unix seconds: the retention tag the hub's GDPR job honours
    chunk_size: int  # fixed when the photo is stored, so a resumed upload cuts alike
    acked_chunks: int = 0  # chunks the hub has confirmed, contiguous from 0
    uploaded: bool = False  # the hub confirmed the whole photo and its hash

    @property
    def chunk_count(self) -> int:
        return max(1, -(-self.size // self.chunk_size))

    def with_progress(self, acked_chunks: int, uploaded: bool) -> PhotoMeta:
        return replace(self, acked_chunks=acked_chunks, uploaded=uploaded)

    def to_json(self) -> bytes:
        record = {"v": FORMAT_VERSION, **asdict(self)}
        record["boxes"] = [list(b) for b in self.boxes]
        return json.dumps(record, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes, where: str) -> PhotoMeta:
        """Parse and check a metadata file; errors say which file and which field."""
        try:
            record = json.loads(data)
        except (ValueError, UnicodeDecodeError) as err:
            raise PhotoStoreError(f"{where}: not JSON: {err}") from err
        if not isinstance(record, dict) or record.get("v") != FORMAT_VERSION:
            raise PhotoStoreError(f"{where}: not a version {FORMAT_VERSION} photo record")
        try:
            boxes = tuple(_box(b) for b in record["boxes"])
            meta = cls(
                photo=_text(record["photo"]), seq=_int(record["seq"]),
                taken_at=_int(record["taken_at"]), width=_int(record["width"]),
                height=_int(record["height"]),
                faces=None if record["faces"] is None else _int(record["faces"]),
                boxes=boxes, size=_int(record["size"]), sha256=_text(record["sha256"]),
                retain_until=_int(record["retain_until"]), chunk_size=_int(record["chunk_size"]),
                acked_chunks=_int(record["acked_chunks"]), uploaded=_bool(record["uploaded"]),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise PhotoStoreError(f"{where}: bad or missing field: {err}") from err
        problem = name_problem(meta.photo)
        if problem or meta.photo != photo_id(meta.seq) or meta.chunk_size < 1 \
                or not 0 <= meta.acked_chunks <= meta.chunk_count or len(meta.sha256) != 64:
            raise PhotoStoreError(f"{where}: inconsistent photo record {meta.photo!r} "
                                  f"{problem}".rstrip())
        return meta


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a non-negative int, got {value!r}")
    return value


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {value!r}")
    return value


def _box(value: object) -> Box:
    if not isinstance(value, list) or len(value) != 5:
        raise ValueError(f"a box is [x0, y0, x1, y1, score], got {value!r}")
    x0, y0, x1, y1, score = (_int(v) for v in value)
    return (x0, y0, x1, y1, score)
