"""SnapshotAssembler: chunks in order, resumable on disk, a crash between writes repaired."""

from __future__ import annotations

from pathlib import Path

from edge.sync.snapshot import META, PART, SnapshotAssembler


def test_chunks_assemble_in_order_and_resume_after_reopening(tmp_path: Path) -> None:
    parts = [b"aaaa", b"bbbb", b"cc"]
    first = SnapshotAssembler(tmp_path)
    assert first.add(7, 0, 3, parts[0]).kind == "stored"
    assert first.add(7, 0, 3, parts[0]).kind == "duplicate"
    gap = first.add(7, 2, 3, parts[2])
    assert (gap.kind, gap.resume_from) == ("need", 1)
    assert first.add(7, 1, 3, parts[1]).kind == "stored"
    # a crash: a chunk appended to the part file but never recorded in the meta file
    with (tmp_path / PART).open("ab") as part:
        part.write(b"torn")
    again = SnapshotAssembler(tmp_path)
    assert again.progress is not None and again.resume_point(7) == 2
    assert (tmp_path / PART).stat().st_size == 8  # the unrecorded bytes cut off
    done = again.add(7, 2, 3, parts[2])
    assert done.kind == "complete" and done.data == b"".join(parts)
    again.discard()
    assert not (tmp_path / PART).exists() and not (tmp_path / META).exists()


def test_another_version_restarts_only_at_its_chunk_zero(tmp_path: Path) -> None:
    assembler = SnapshotAssembler(tmp_path)
    assembler.add(3, 0, 2, b"old")
    assert assembler.add(4, 1, 2, b"x").kind == "need"  # no start of version 4
    assert assembler.resume_point() == 1  # version 3's progress kept meanwhile
    assert assembler.add(4, 0, 2, b"new").kind == "stored"
    assert assembler.progress is not None and assembler.progress.version == 4
    assert assembler.add(4, 1, 2, b"!").data == b"new!"


def test_damaged_progress_is_discarded(tmp_path: Path) -> None:
    SnapshotAssembler(tmp_path).add(1, 0, 5, b"12345")
    (tmp_path / META).write_text("{not json")
    assembler = SnapshotAssembler(tmp_path)
    assert assembler.progress is None and not (tmp_path / PART).exists()
    SnapshotAssembler(tmp_path).add(1, 0, 5, b"12345")
    (tmp_path / PART).write_bytes(b"12")  # shorter than recorded
    assert SnapshotAssembler(tmp_path).progress is None
