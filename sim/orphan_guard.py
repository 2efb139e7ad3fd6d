"""``python -m sim.orphan_guard PROGRAM ARGS...``: run a program that dies with its parent.

The simulator starts each agent through this shim. It asks the kernel for SIGTERM when
the thread that started it goes away (``prctl(PR_SET_PDEATHSIG)``, kept across
``execv``), then replaces itself with the program. So an agent never outlives a
simulator that was killed without a chance to stop it (Linux only; elsewhere the
program simply runs).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def main(argv: list[str]) -> None:
    """Arm the parent-death signal, then exec ``argv``."""
    if not argv:
        sys.exit("usage: python -m sim.orphan_guard PROGRAM [ARGS...]")
    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux
    if os.getppid() != parent:
        sys.exit(0)  # the parent died before the signal was armed
    os.execv(argv[0], argv)  # noqa: S606 - replacing ourselves with the given program is the point


if __name__ == "__main__":
    main(sys.argv[1:])
