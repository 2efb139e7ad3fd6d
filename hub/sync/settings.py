"""Settings of the hub's sync service (broker link, timeouts, rates), from ``VRATNIK_*``.

Without a broker URL the hub starts its own embedded broker (hub.broker.embedded), so
one machine works out of the box; production points ``VRATNIK_MQTT_URL`` at Mosquitto
(``mqtts://`` with ``VRATNIK_MQTT_CA_FILE``, user and password from ``broker-config``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from protocols.portable import topics

DEFAULT_PORT = 1883
DEFAULT_TLS_PORT = 8883


class SettingsError(ValueError):
    """A sync setting that cannot work; the message names the variable."""


@dataclass(frozen=True)
class BrokerAddress:
    """Where to connect: host, port, TLS, credentials (parsed from an mqtt:// URL)."""

    host: str
    port: int
    tls: bool
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> BrokerAddress:
        """``mqtt://[user:pass@]host[:port]`` or ``mqtts://...`` (TLS)."""
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise SettingsError(
                f"broker URL {url!r}: use mqtt://host:port or mqtts://host:port (TLS)")
        tls = parts.scheme == "mqtts"
        try:
            port = parts.port or (DEFAULT_TLS_PORT if tls else DEFAULT_PORT)
        except ValueError as err:
            raise SettingsError(f"broker URL {url!r}: bad port") from err
        return cls(
            host=parts.hostname, port=port, tls=tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    def __repr__(self) -> str:  # never show the password
        return f"BrokerAddress({self.host}:{self.port}, tls={self.tls}, user={self.username!r})"


@dataclass(frozen=True)
class SyncSettings:
    """How the sync service runs. The defaults suit one site on one machine."""

    broker_url: str | None = None  # None: start the embedded broker
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None  # CA the broker's TLS certificate must chain to
    client_id: str = "vratnik-hub"
    prefix: str = topics.DEFAULT_PREFIX
    embedded_host: str = "127.0.0.1"
    embedded_port: int = DEFAULT_PORT  # 0: any free port
    # the embedded broker takes the controllers' accounts and exact topic rights from the
    # database (read at start: a controller added later needs a hub restart to log in)
    embedded_accounts: bool = False
    keepalive: int = 30
    activation_timeout: float = 2.0  # seconds an activation waits for the edges' answers
    command_timeout: float = 2.0  # seconds a door command waits for its result
    command_ttl: int = 10  # seconds after which an edge must no longer execute a command
    chunk_size: int = 64 * 1024  # bytes per snapshot chunk
    keep_deltas: int = 64  # recent deltas kept per controller for "want: delta"
    manifests_per_second: float = 50.0  # rollout rate (manifests published)
    manifest_burst: int = 100
    snapshot_bytes_per_second: float = 8_000_000.0  # snapshot chunks served, all edges
    snapshot_burst_bytes: int = 1_000_000
    reconcile_interval: float = 300.0  # seconds between full recompiles from the database
    horizon_days: int = 35
    gone_keep_days: int = 35
    late_after: int = 300  # seconds behind the clock after which an event is historical
    replay_interval: float = 2.0  # seconds between two replay requests for one gap
    batch_max: int = 1000  # messages per worker transaction
    photo_retention_days: int = 60  # SPEC §9: access photos are deleted after N days

    def __post_init__(self) -> None:
        if self.broker_url is not None:
            BrokerAddress.parse(self.broker_url)
        topics.check_prefix(self.prefix)
        if not 1 <= self.chunk_size <= 256 * 1024:
            raise SettingsError("chunk_size must be 1..262144 bytes (the wire's limit)")

    def address(self) -> BrokerAddress | None:
        """The configured broker with credentials filled in; None: use the embedded one."""
        if self.broker_url is None:
            return None
        parsed = BrokerAddress.parse(self.broker_url)
        return BrokerAddress(
            parsed.host, parsed.port, parsed.tls,
            username=self.username or parsed.username,
            password=self.password or parsed.password,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SyncSettings | None:
        """Settings from VRATNIK_SYNC (on/off), VRATNIK_MQTT_URL, _MQTT_USER, _MQTT_PASSWORD,
        _MQTT_CA_FILE, _MQTT_PREFIX, _MQTT_EMBEDDED_HOST (127.0.0.1; 0.0.0.0 lets edges on
        other machines in), _MQTT_EMBEDDED_PORT and _MQTT_EMBEDDED_ACCOUNTS (on: per-controller
        logins and topic rights on the embedded broker); None when sync is off (the default for
        the app factory; ``vratnik hub serve`` turns it on)."""
        source = os.environ if env is None else env
        enabled = source.get("VRATNIK_SYNC", "").strip().lower()
        if enabled not in ("1", "true", "yes", "on"):
            return None
        port_text = source.get("VRATNIK_MQTT_EMBEDDED_PORT") or str(DEFAULT_PORT)
        try:
            port = int(port_text)
        except ValueError as err:
            raise SettingsError(f"VRATNIK_MQTT_EMBEDDED_PORT={port_text!r} is not a port") from err
        return cls(
            broker_url=source.get("VRATNIK_MQTT_URL") or None,
            embedded_host=source.get("VRATNIK_MQTT_EMBEDDED_HOST") or "127.0.0.1",
            username=source.get("VRATNIK_MQTT_USER") or None,
            password=source.get("VRATNIK_MQTT_PASSWORD") or None,
            ca_file=source.get("VRATNIK_MQTT_CA_FILE") or None,
            prefix=source.get("VRATNIK_MQTT_PREFIX") or topics.DEFAULT_PREFIX,
            embedded_port=port,
            embedded_accounts=source.get("VRATNIK_MQTT_EMBEDDED_ACCOUNTS", "").strip().lower()
            in ("1", "true", "yes", "on"),
        )

    def __repr__(self) -> str:  # never show a password (it may be in the URL too)
        return (f"SyncSettings(broker={self.address()!r}, prefix={self.prefix!r}, "
                f"embedded={self.embedded_host}:{self.embedded_port})")
