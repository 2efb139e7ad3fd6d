"""The running simulator's control channel: technicians' commands over a Unix socket.

``vratnik sim run`` (and ``vratnik demo``) listen on a Unix socket, by default
``var/sim/control.sock``; ``vratnik sim swipe``, ``door-status`` and ``fault`` connect,
send one JSON request line and print the JSON answer line. A request is
``{"cmd": NAME, ...arguments}``; an answer is ``{"ok": true, ...}`` or
``{"ok": false, "error": "what was wrong"}``. A second simulator refuses to take a
socket a running one still answers on.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.errors import ControlError, SimError

log = logging.getLogger(__name__)

DEFAULT_PATH = "var/sim/control.sock"
ENV_PATH = "VRATNIK_SIM_CONTROL"
TIMEOUT_S = 60.0  # a swipe waits for the reader's LED, a fault for a restart
MAX_REQUEST = 65536

Handler = Callable[[dict[str, Any]], dict[str, Any]]


def default_path() -> Path:
    """The control socket: ``$VRATNIK_SIM_CONTROL`` or ``var/sim/control.sock``."""
    return Path(os.environ.get(ENV_PATH) or DEFAULT_PATH)


class ControlServer:
    """Serves requests with ``handler`` (which raises SimError to refuse one)."""

    def __init__(self, path: Path, handler: Handler) -> None:
        self.path = path
        self._handler = handler
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            if _answers(path):
                raise ControlError(f"another simulator is running and listens on {path}; "
                                   "stop it first (or give another --control path)")
            path.unlink()
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.bind(str(path))
        self._sock.listen(8)
        self._closed = False
        self._thread = threading.Thread(target=self._accept, name="sim-control", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._closed = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        self._thread.join(2)
        self.path.unlink(missing_ok=True)

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), name="sim-control-conn",
                             daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(TIMEOUT_S)
            try:
                request = _read_line(conn)
            except (OSError, ValueError) as err:
                _write(conn, {"ok": False, "error": f"bad request: {err}"})
                return
            try:
                answer = {"ok": True, **self._handler(request)}
            except SimError as err:
                answer = {"ok": False, "error": str(err)}
            except Exception as err:  # a command must never take the simulator down
                log.exception("control command %r failed", request.get("cmd"))
                answer = {"ok": False, "error": f"internal error: {err}"}
            try:
                _write(conn, answer)
            except OSError:
                pass  # the client gave up waiting


def request(path: Path, message: dict[str, Any], timeout_s: float = TIMEOUT_S) -> dict[str, Any]:
    """Send one request to the simulator at ``path``; its answer (ControlError if refused)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout_s)
        try:
            sock.connect(str(path))
        except OSError as err:
            raise ControlError(f"no simulator answers on {path} ({err.strerror or err}); "
                               "start one with 'vratnik sim run SITE.toml' or 'vratnik demo'"
                               ) from err
        try:
            _write(sock, message)
            answer = _read_line(sock)
        except (OSError, ValueError) as err:
            raise ControlError(f"the simulator on {path} did not answer: {err}") from err
    if not answer.get("ok"):
        raise ControlError(str(answer.get("error", "refused")))
    return answer


def _answers(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        try:
            sock.connect(str(path))
        except OSError:
            return False
        return True


def _write(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.sendall((json.dumps(message, sort_keys=True) + "\n").encode())


def _read_line(sock: socket.socket) -> dict[str, Any]:
    data = b""
    while b"\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
        if len(data) > MAX_REQUEST:
            raise ValueError("request too long")
    message = json.loads(data.split(b"\n", 1)[0] or b"null")
    if not isinstance(message, dict):
        raise ValueError("expected a JSON object")
    return message
