"""The edge sync client's configuration: broker, credentials, device key, identity.

``vratnik edge run`` builds a :class:`SyncConfig` from its config file; tests build one
directly. :meth:`SyncConfig.check` says what is wrong before anything connects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from edge.sync.errors import SyncConfigError
from protocols.portable import topics
from protocols.portable.auth import KEY_MIN
from protocols.portable.names import name_problem

DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}


@dataclass(frozen=True)
class BrokerAddress:
    """Where the broker listens and whether the link uses TLS."""

    host: str
    port: int
    tls: bool


def parse_broker_url(url: str) -> BrokerAddress:
    """``mqtt://host[:port]`` or ``mqtts://host[:port]`` (TLS); SyncConfigError otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise SyncConfigError(f"broker URL {url!r}: {err}") from err
    if parts.scheme not in DEFAULT_PORTS:
        raise SyncConfigError(f"broker URL {url!r}: the scheme must be mqtt:// or mqtts://")
    if not parts.hostname:
        raise SyncConfigError(f"broker URL {url!r} names no host")
    if parts.path not in ("", "/") or parts.query or parts.username:
        raise SyncConfigError(f"broker URL {url!r}: only scheme, host and port are allowed "
                              "(credentials go in username/password)")
    return BrokerAddress(parts.hostname, port or DEFAULT_PORTS[parts.scheme],
                         parts.scheme == "mqtts")


@dataclass(frozen=True)
class SyncConfig:
    """Everything the sync client needs.

    ``key_id``/``device_key`` seal what the edge sends; ``hub_keys`` (key id -> key) verify
    what the hub sends to this controller, by default the device key itself (one key per
    device, shared with the hub; several ids during a rotation). ``data_dir`` holds the
    compiled list, the outbox, the partial snapshot and the counters.
    """

    broker_url: str
    site: str
    controller: str
    key_id: str
    device_key: bytes
    data_dir: Path
    username: str | None = None
    password: str | None = None
    ca_file: Path | None = None
    hub_keys: dict[str, bytes] = field(default_factory=dict)
    prefix: str = topics.DEFAULT_PREFIX
    firmware: str = "vratnik-edge"
    readers: tuple[tuple[int, str], ...] = ()  # (reader id, kind) announced in birth
    keepalive: int = 30
    batch_events: int = 256  # events per event_batch (the wire allows 1..256)
    max_in_flight: int = 1024  # events published but not yet acknowledged
    ack_timeout: float = 10.0  # seconds without ack progress before resending
    request_timeout: float = 10.0  # seconds before repeating an unanswered list_request
    reconnect_min: float = 0.2
    reconnect_max: float = 10.0

    @property
    def broker(self) -> BrokerAddress:
        return parse_broker_url(self.broker_url)

    @property
    def client_id(self) -> str:
        """Stable across restarts, so the broker keeps the session (clean_session=False)."""
        return f"vratnik-edge-{self.site}-{self.controller}"

    def verify_keys(self) -> dict[str, bytes]:
        """The hub's key ids for this controller (the device key when none are given)."""
        return dict(self.hub_keys) if self.hub_keys else {self.key_id: self.device_key}

    def check(self) -> SyncConfig:
        """Self when usable; SyncConfigError naming the problem otherwise."""
        broker = self.broker
        try:
            topics.check_prefix(self.prefix)
            topics.check_id("site", self.site)
            topics.check_id("controller", self.controller)
        except ValueError as err:
            raise SyncConfigError(str(err)) from err
        for kid, key in [(self.key_id, self.device_key), *self.hub_keys.items()]:
            problem = name_problem(kid)
            if problem:
                raise SyncConfigError(f"key id {kid!r} {problem}")
            if not isinstance(key, bytes) or len(key) < KEY_MIN:
                raise SyncConfigError(f"key {kid!r} must be at least {KEY_MIN} bytes")
        if self.ca_file is not None and not broker.tls:
            raise SyncConfigError("a CA file is given but the broker URL is not mqtts://")
        if self.ca_file is not None and not Path(self.ca_file).is_file():
            raise SyncConfigError(f"CA file {self.ca_file} does not exist")
        if self.password is not None and self.username is None:
            raise SyncConfigError("a broker password needs a username")
        if not 1 <= self.batch_events <= 256:
            raise SyncConfigError("batch_events must be 1..256 (the wire's limit)")
        if self.max_in_flight < self.batch_events:
            raise SyncConfigError("max_in_flight must be at least batch_events")
        for kind in (k for _id, k in self.readers):
            if not kind or len(kind) > 16:
                raise SyncConfigError(f"reader kind {kind!r} must be 1..16 characters")
        return self
