"""The embedded MQTT broker: amqtt (pure Python, asyncio) in a thread of the hub process.

Used when no broker URL is configured, so one command runs a whole site on one machine.
amqtt 0.12 speaks MQTT 3.1.1 with QoS 0-2, retained messages and last wills, which is
everything the sync protocol needs. It runs its own event loop in a daemon thread; the
hub talks to it over TCP like to any broker. ``accounts`` (username -> password) turns
off anonymous access and ``acl`` (username -> topics it may publish and subscribe/receive,
exact names) limits each account to its own topics, as the Mosquitto ACL does.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from amqtt.broker import Broker

from hub.broker.access import register_policy, unregister_policy
from hub.broker.errors import BrokerError

log = logging.getLogger(__name__)

START_TIMEOUT = 10.0


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class EmbeddedBroker:
    """An amqtt broker on ``host:port`` (port 0: a free one), started and stopped by the hub."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *,
                 accounts: Mapping[str, str] | None = None,
                 acl: Mapping[str, tuple[Sequence[str], Sequence[str]]] | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self._accounts = dict(accounts or {})
        self._acl = {user: (list(pub), list(sub)) for user, (pub, sub) in (acl or {}).items()}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._broker: Any = None
        self._policy_key: str | None = None

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _config(self) -> dict[str, Any]:
        plugins: dict[str, Any] = {}
        if self._accounts:
            self._policy_key = register_policy(self._accounts, self._acl)
            plugins["hub.broker.access.AccountsPlugin"] = {"policy": self._policy_key}
        else:
            plugins["amqtt.plugins.authentication.AnonymousAuthPlugin"] = {
                "allow_anonymous": True}
        return {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": plugins,
        }

    def start(self) -> EmbeddedBroker:
        """Start the broker thread and wait until the port accepts connections."""
        if self.running:
            return self
        loop = asyncio.new_event_loop()
        started: asyncio.Future[None] = loop.create_future()
        config = self._config()

        async def boot() -> None:
            try:
                self._broker = Broker(config, loop=loop)
                await self._broker.start()
            except Exception as err:  # reported to the starting thread
                started.set_exception(err)
                return
            started.set_result(None)

        def run() -> None:
            asyncio.set_event_loop(loop)
            booting = loop.create_task(boot())
            loop.run_forever()
            booting.cancel()
            loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="embedded-mqtt-broker", daemon=True)
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(_wait(started), loop).result(START_TIMEOUT)
        except (FutureTimeout, OSError, Exception) as err:
            self.stop()
            raise BrokerError(f"the embedded MQTT broker did not start on "
                              f"{self.host}:{self.port}: {err}") from err
        log.info("embedded MQTT broker listening on %s:%s", self.host, self.port)
        return self

    def stop(self) -> None:
        """Shut the broker down (clients see the connection drop) and end its thread."""
        loop, thread, broker = self._loop, self._thread, self._broker
        self._loop = self._thread = self._broker = None
        if loop is not None and broker is not None and loop.is_running():
            try:
                asyncio.run_coroutine_threadsafe(broker.shutdown(), loop).result(START_TIMEOUT)
            except Exception as err:  # shutting down anyway
                log.warning("embedded MQTT broker did not shut down cleanly: %s", err)
        if loop is not None and loop.is_running():
            loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(START_TIMEOUT)
        if self._policy_key is not None:
            unregister_policy(self._policy_key)
            self._policy_key = None

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


async def _wait(future: asyncio.Future[None]) -> None:
    await future
