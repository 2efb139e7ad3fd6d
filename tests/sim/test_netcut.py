"""The per-controller network proxy carries bytes both ways, a cut ends the connection and
refuses new ones, and a restore lets the client back in; other proxies are untouched."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from sim.netcut import NetworkProxies


@pytest.fixture
def echo() -> Iterator[int]:
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=_echo, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def _echo(conn: socket.socket) -> None:
    with conn:
        while data := conn.recv(4096):
            conn.sendall(data)


def _roundtrip(port: int, payload: bytes = b"ping") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(payload)
        return sock.recv(4096)


def test_cut_and_restore(echo: int) -> None:
    proxies = NetworkProxies("127.0.0.1", echo)
    try:
        one, two = proxies.add("c1"), proxies.add("c2")
        assert _roundtrip(one) == b"ping"
        held = socket.create_connection(("127.0.0.1", one), timeout=5)
        held.sendall(b"a")
        assert held.recv(10) == b"a"
        proxies.cut("c1")
        assert proxies.is_cut("c1") and not proxies.is_cut("c2")
        assert held.recv(10) == b""  # the open connection ended
        held.close()
        with socket.create_connection(("127.0.0.1", one), timeout=5) as refused:
            assert refused.recv(10) == b""  # accepted and closed at once: no network
        assert _roundtrip(two, b"other") == b"other"  # c2 unaffected
        proxies.restore("c1")
        assert _roundtrip(one, b"back") == b"back"
        assert proxies.connections("c1") == 3
    finally:
        proxies.close()
