"""The simulated doors' wiring: a door I/O port in the agent process, driven by the simulator.

A real controller's doors are a relay and two inputs on GPIO (``edge.door.gpio``). In
the simulator the agent runs as its own process, so its doors' port is
:class:`LinkedDoorIO`: the three-method ``DoorIO`` of ``edge.door.io`` over a Unix
socket to the simulator's :class:`DoorLinkServer`. The relay level goes to the
simulator (which then knows whether the lock is released), and the simulator moves the
door contact and the exit button. Messages are JSON lines:

* agent -> simulator: ``{"hello": controller, "doors": [1, 3]}`` once, then
  ``{"door": 1, "relay": true}`` on every relay command;
* simulator -> agent: ``{"door": 1, "line": "contact", "active": true}`` on every input
  change, and the current inputs right after the hello (a restarted agent reads the
  doors as they are, e.g. still open).

When the agent process dies the relay is de-energised, as when power is lost.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from edge.door.io import CONTACT, INPUTS, InputCallback
from sim.errors import SimError

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10.0


def _send(sock: socket.socket, lock: threading.Lock, message: dict[str, object]) -> bool:
    data = (json.dumps(message, separators=(",", ":")) + "\n").encode()
    with lock:
        try:
            sock.sendall(data)
            return True
        except OSError:
            return False


def _lines(sock: socket.socket) -> Iterator[dict[str, object]]:
    """Parsed JSON lines from ``sock`` until it closes (bad lines are skipped)."""
    buffer = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except OSError:
            return
        if not chunk:
            return
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            try:
                message = json.loads(line)
            except ValueError:
                log.warning("door link: a line that is not JSON was ignored")
                continue
            if isinstance(message, dict):
                yield message


# -- the agent's side ---------------------------------------------------------------------
class DoorLinkClient:
    """The agent process's connection to the simulator; one per controller."""

    def __init__(self, path: str, controller: str, doors: list[int]) -> None:
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(CONNECT_TIMEOUT_S)
        try:
            self._sock.connect(path)
        except OSError as err:
            self._sock.close()
            raise SimError(f"door link {path}: cannot connect: {err}") from err
        self._sock.settimeout(None)
        self._lock = threading.Lock()
        self._state: dict[int, dict[str, bool]] = {d: dict.fromkeys(INPUTS, False) for d in doors}
        self._callbacks: dict[int, list[InputCallback]] = {d: [] for d in doors}
        self._ready = threading.Event()
        _send(self._sock, self._lock, {"hello": controller, "doors": doors})
        self._thread = threading.Thread(target=self._receive, name="sim-door-link", daemon=True)
        self._thread.start()
        # The simulator answers the hello with every input's state: wait for it, so the
        # doors start from the real contact positions.
        self._ready.wait(CONNECT_TIMEOUT_S)

    def io(self, door: int) -> LinkedDoorIO:
        """The DoorIO port of ``door``."""
        if door not in self._state:
            raise SimError(f"door link: door {door} was not announced")
        return LinkedDoorIO(self, door)

    def set_relay(self, door: int, energised: bool) -> None:
        _send(self._sock, self._lock, {"door": door, "relay": energised})

    def read(self, door: int, line: str) -> bool:
        with self._lock:
            return self._state[door][line]

    def watch(self, door: int, callback: InputCallback) -> None:
        with self._lock:
            self._callbacks[door].append(callback)

    def close(self) -> None:
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()

    def _receive(self) -> None:
        for message in _lines(self._sock):
            if message.get("ready"):
                self._ready.set()
                continue
            door, line, active = message.get("door"), message.get("line"), message.get("active")
            if not isinstance(door, int) or line not in INPUTS or not isinstance(active, bool):
                continue
            with self._lock:
                state = self._state.get(door)
                if state is None or state[str(line)] == active:
                    continue
                state[str(line)] = active
                callbacks = list(self._callbacks[door])
            for callback in callbacks:
                try:
                    callback(str(line), active)
                except Exception:  # a door callback must not end the link
                    log.exception("door link: input callback failed")
        self._ready.set()


@dataclass
class LinkedDoorIO:
    """``edge.door.io.DoorIO`` for one door over the simulator's link."""

    client: DoorLinkClient
    door: int

    def set_relay(self, energised: bool) -> None:
        self.client.set_relay(self.door, energised)

    def read(self, line: str) -> bool:
        return self.client.read(self.door, line)

    def watch(self, callback: InputCallback) -> None:
        self.client.watch(self.door, callback)


# -- the simulator's side -----------------------------------------------------------------
@dataclass
class VirtualDoor:
    """What the simulator knows of one door: its relay (from the agent) and its inputs."""

    controller: str
    door: int
    fail_safe: bool = False
    relay: bool | None = None  # None: no agent drives it (powered off)
    inputs: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(INPUTS, False))
    relay_changes: int = 0

    @property
    def unlocked(self) -> bool:
        """Whether the lock is released now (a fail-safe lock opens without power)."""
        energised = bool(self.relay)
        return not energised if self.fail_safe else energised

    @property
    def open(self) -> bool:
        return self.inputs[CONTACT]


class DoorLinkServer:
    """The simulator's end: every controller's doors, by (controller, door number)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(path))
        self._listener.listen(64)
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self.doors: dict[tuple[str, int], VirtualDoor] = {}
        self._links: dict[str, tuple[socket.socket, threading.Lock]] = {}
        self._closed = False
        self.on_relay: Callable[[VirtualDoor], None] | None = None
        self._thread = threading.Thread(target=self._accept, name="sim-door-server", daemon=True)
        self._thread.start()

    def add(self, controller: str, door: int, *, fail_safe: bool = False) -> VirtualDoor:
        with self._lock:
            found = VirtualDoor(controller, door, fail_safe)
            self.doors[(controller, door)] = found
            return found

    def connected(self, controller: str) -> bool:
        with self._lock:
            return controller in self._links

    def set_input(self, controller: str, door: int, line: str, active: bool) -> None:
        """Move a door's contact (``CONTACT``, True = open) or exit button (``EXIT``)."""
        if line not in INPUTS:
            raise SimError(f"unknown input line {line!r} (lines: {', '.join(INPUTS)})")
        with self._lock:
            state = self.doors[(controller, door)]
            state.inputs[line] = active
            link = self._links.get(controller)
        if link is not None:
            _send(link[0], link[1], {"door": door, "line": line, "active": active})

    def relay_changes(self, controller: str, door: int) -> int:
        """How many relay commands the door has had (to wait for the next one)."""
        with self._lock:
            return self.doors[(controller, door)].relay_changes

    def wait_released(self, controller: str, door: int, after: int, timeout_s: float) -> bool:
        """Wait for a relay command after the ``after``-th that releases the lock."""
        with self._cond:
            return self._cond.wait_for(
                lambda: (self.doors[(controller, door)].relay_changes > after
                         and self.doors[(controller, door)].unlocked), timeout_s)

    def wait_relay(self, controller: str, door: int, unlocked: bool, timeout_s: float) -> bool:
        """Wait until the door's lock is released (or locked); whether it happened."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self.doors[(controller, door)].unlocked == unlocked, timeout_s)

    def close(self) -> None:
        self._closed = True
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            links = list(self._links.values())
        for sock, _lock in links:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self._thread.join(2)
        self.path.unlink(missing_ok=True)

    def _accept(self) -> None:
        while not self._closed:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(sock,), name="sim-door-link",
                             daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        send_lock = threading.Lock()
        controller: str | None = None
        for message in _lines(sock):
            if controller is None:
                hello = message.get("hello")
                if not isinstance(hello, str):
                    break
                controller = hello
                self._hello(controller, sock, send_lock)
                continue
            door, relay = message.get("door"), message.get("relay")
            if isinstance(door, int) and isinstance(relay, bool):
                self._relay(controller, door, relay)
        sock.close()
        if controller is not None:
            self._gone(controller, sock)

    def _hello(self, controller: str, sock: socket.socket, send_lock: threading.Lock) -> None:
        with self._lock:
            self._links[controller] = (sock, send_lock)
            states = [(d.door, dict(d.inputs)) for (c, _n), d in self.doors.items()
                      if c == controller]
        for door, inputs in states:
            for line, active in inputs.items():
                _send(sock, send_lock, {"door": door, "line": line, "active": active})
        _send(sock, send_lock, {"ready": True})
        log.info("door link: controller %s connected", controller)

    def _relay(self, controller: str, door: int, relay: bool) -> None:
        with self._cond:
            state = self.doors.get((controller, door))
            if state is None:
                return
            state.relay = relay
            state.relay_changes += 1
            self._cond.notify_all()
        if self.on_relay is not None:
            self.on_relay(state)

    def _gone(self, controller: str, sock: socket.socket) -> None:
        with self._cond:
            if self._links.get(controller, (None,))[0] is sock:
                del self._links[controller]
            for (c, _n), state in self.doors.items():
                if c == controller:
                    state.relay = None  # no power to the coil
            self._cond.notify_all()
        log.info("door link: controller %s disconnected", controller)
