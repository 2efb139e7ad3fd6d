"""Helpers for the simulator's subprocess tests: a command's output read as it comes, and
the processes still running that mention a folder (nothing may outlive a run)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VRATNIK = str(Path(sys.executable).parent / "vratnik")


class Running:
    """A started command whose stdout and stderr lines are collected by threads."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen([VRATNIK, *args], cwd=ROOT, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, env={**os.environ, **(env or {})})
        self.out: list[str] = []
        self.err: list[str] = []
        self._threads = [threading.Thread(target=self._collect, args=(stream, into), daemon=True)
                         for stream, into in ((self.process.stdout, self.out),
                                              (self.process.stderr, self.err))]
        for thread in self._threads:
            thread.start()

    @staticmethod
    def _collect(stream: object, into: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            into.append(line)

    def wait_for(self, text: str, timeout_s: float, *, stream: str = "err") -> str:
        """The first line containing ``text`` (AssertionError with the output if none)."""
        lines = self.err if stream == "err" else self.out
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for line in list(lines):
                if text in line:
                    return line
            if self.process.poll() is not None:
                time.sleep(0.2)  # let the readers take the last lines
                break
            time.sleep(0.1)
        found = next((line for line in list(lines) if text in line), None)
        assert found is not None, f"no {text!r} in the output:\n{self.output()}"
        return found

    def finish(self, timeout_s: float) -> int:
        code = self.process.wait(timeout_s)
        for thread in self._threads:
            thread.join(5)
        return code

    def kill(self) -> None:
        """Kill it if it still runs, and release the pipes (call in ``finally``)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        for thread in self._threads:
            thread.join(5)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def output(self) -> str:
        return "".join(self.out) + "\n--- stderr ---\n" + "".join(self.err)


def vratnik(*args: str, timeout_s: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VRATNIK, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout_s, check=False)


def processes_mentioning(text: str) -> list[tuple[int, str]]:
    """(pid, command line) of every process whose command line contains ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # ended meanwhile
        if text in cmdline:
            found.append((int(entry.name), cmdline))
    return found
