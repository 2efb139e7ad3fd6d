"""Per-controller TCP proxies on loopback, so the simulator can cut one controller's network.

Each simulated controller connects to the broker through its own proxy port. Cutting a
proxy closes its open connections (both sides see the TCP connection end, as when a
cable is pulled and the keepalive notices) and refuses new ones until it is restored;
the other controllers keep their links. One thread serves every proxy with a selector.
"""

from __future__ import annotations

import logging
import selectors
import socket
import threading
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

CHUNK = 65536
POLL_S = 0.2


@dataclass
class _Proxy:
    name: str
    listener: socket.socket
    target: tuple[str, int]
    cut: bool = False
    pairs: list[tuple[socket.socket, socket.socket]] = field(default_factory=list)
    connections: int = 0  # accepted while not cut


class NetworkProxies:
    """Loopback proxies to one target (the broker), one per name (controller)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._selector = selectors.DefaultSelector()
        self._lock = threading.Lock()
        self._proxies: dict[str, _Proxy] = {}
        self._peer: dict[socket.socket, tuple[_Proxy, socket.socket]] = {}
        self._stop = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._thread = threading.Thread(target=self._run, name="sim-net-proxies", daemon=True)
        self._thread.start()

    def add(self, name: str) -> int:
        """A new proxy for ``name``; the loopback port to connect to."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        listener.setblocking(False)
        proxy = _Proxy(name, listener, self._target)
        with self._lock:
            self._proxies[name] = proxy
            self._selector.register(listener, selectors.EVENT_READ, proxy)
        self._wake()
        port: int = listener.getsockname()[1]
        return port

    def cut(self, name: str) -> None:
        """Drop ``name``'s connections and refuse new ones until :meth:`restore`."""
        with self._lock:
            proxy = self._proxies[name]
            proxy.cut = True
            pairs, proxy.pairs = proxy.pairs, []
            for a, b in pairs:
                self._close(a)
                self._close(b)
        log.info("network of %s cut", name)

    def restore(self, name: str) -> None:
        with self._lock:
            self._proxies[name].cut = False
        log.info("network of %s restored", name)

    def is_cut(self, name: str) -> bool:
        with self._lock:
            return self._proxies[name].cut

    def connections(self, name: str) -> int:
        """Connections accepted for ``name`` so far (a reconnect counts again)."""
        with self._lock:
            return self._proxies[name].connections

    def close(self) -> None:
        """Close every proxy and connection and end the thread."""
        self._stop.set()
        self._wake()
        self._thread.join(5)
        with self._lock:
            for proxy in self._proxies.values():
                for a, b in proxy.pairs:
                    self._close(a)
                    self._close(b)
                self._close(proxy.listener)
            self._proxies.clear()
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()

    # -- the thread -----------------------------------------------------------------------
    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                ready = self._selector.select(POLL_S)
            except (OSError, ValueError):
                continue  # a socket closed by cut() while we selected
            for key, _mask in ready:
                with self._lock:
                    self._ready(key)

    def _ready(self, key: selectors.SelectorKey) -> None:
        sock = key.fileobj
        assert isinstance(sock, socket.socket)
        if sock is self._wake_r:
            try:
                sock.recv(1024)
            except OSError:
                pass
            return
        if isinstance(key.data, _Proxy):
            self._accept(key.data)
            return
        entry = self._peer.get(sock)
        if entry is None:
            return
        proxy, other = entry
        try:
            data = sock.recv(CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop(proxy, sock, other)
            return
        try:
            other.setblocking(True)
            other.settimeout(5.0)
            other.sendall(data)
            other.setblocking(False)
        except OSError:
            self._drop(proxy, sock, other)

    def _accept(self, proxy: _Proxy) -> None:
        try:
            client, _addr = proxy.listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            return
        if proxy.cut:
            client.close()  # no network: the connection attempt fails at once
            return
        try:
            upstream = socket.create_connection(proxy.target, timeout=5.0)
        except OSError as err:
            log.warning("proxy %s: broker unreachable: %s", proxy.name, err)
            client.close()
            return
        for sock in (client, upstream):
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._peer[client] = (proxy, upstream)
        self._peer[upstream] = (proxy, client)
        self._selector.register(client, selectors.EVENT_READ, "conn")
        self._selector.register(upstream, selectors.EVENT_READ, "conn")
        proxy.pairs.append((client, upstream))
        proxy.connections += 1

    def _drop(self, proxy: _Proxy, a: socket.socket, b: socket.socket) -> None:
        proxy.pairs = [p for p in proxy.pairs if a not in p]
        self._close(a)
        self._close(b)

    def _close(self, sock: socket.socket) -> None:
        self._peer.pop(sock, None)
        try:
            self._selector.unregister(sock)
        except (KeyError, ValueError):
            pass
        try:
            sock.close()
        except OSError:
            pass
