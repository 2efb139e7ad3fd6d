"""systemd's readiness protocol (``Type=notify``), without a library.

``sd_notify("READY=1")`` sends one datagram to the socket systemd names in
``$NOTIFY_SOCKET``; outside systemd the variable is unset and nothing happens. An
abstract socket name starts with ``@`` (a NUL byte on the wire).
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


def sd_notify(state: str) -> bool:
    """Tell systemd ``state`` (``READY=1``, ``STOPPING=1``, ``STATUS=...``); sent or not."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(state.encode())
    except OSError as err:
        log.warning("cannot notify systemd (%s): %s", state.split("=", 1)[0], err)
        return False
    return True
