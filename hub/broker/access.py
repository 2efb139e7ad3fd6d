"""Accounts and topic rights for the embedded broker (an amqtt plugin).

The same policy as the generated Mosquitto ACL (hub.broker.mosquitto): a controller's
account may publish only on the channels an edge publishes and subscribe only to the
channels the hub publishes, each of its own topics; the hub's account may do anything
under the prefix. amqtt builds plugins from dotted names and plain config, so the policy
object itself is looked up in a small registry by the key the config carries.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from amqtt.contexts import Action
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin
from amqtt.session import Session

from protocols.portable import topics


@dataclass(frozen=True)
class Policy:
    """username -> password, and username -> (publish filters, subscribe filters)."""

    passwords: Mapping[str, str]
    rights: Mapping[str, tuple[Sequence[str], Sequence[str]]]


_POLICIES: dict[str, Policy] = {}
_LOCK = threading.Lock()


def register_policy(passwords: Mapping[str, str],
                    rights: Mapping[str, tuple[Sequence[str], Sequence[str]]]) -> str:
    """Keep a policy for a broker about to start; returns the key its config names."""
    key = secrets.token_hex(8)
    with _LOCK:
        _POLICIES[key] = Policy(dict(passwords), dict(rights))
    return key


def unregister_policy(key: str) -> None:
    with _LOCK:
        _POLICIES.pop(key, None)


def filter_allows(allowed: str, requested: str) -> bool:
    """Whether ``requested`` (a topic, or a subscription filter) is covered by ``allowed``.

    A wildcard in ``requested`` is covered only by the same wildcard or ``#`` in
    ``allowed``: a controller allowed exact topics cannot subscribe to ``+`` or ``#``.
    """
    want = requested.split("/")
    have = allowed.split("/")
    for index, level in enumerate(have):
        if level == "#":
            return True
        if index >= len(want):
            return False
        if level != "+" and level != want[index]:
            return False
        if level == "+" and want[index] == "#":
            return False
    return len(want) == len(have)


class AccountsPlugin(BaseAuthPlugin, BaseTopicPlugin):  # type: ignore[misc]
    """Password check and exact topic rights from a registered :class:`Policy`."""

    @dataclass
    class Config:
        policy: str = field(default="")

    def _policy(self) -> Policy | None:
        key = getattr(self.context.config, "policy", "")
        with _LOCK:
            return _POLICIES.get(key)

    async def authenticate(self, *, session: Session) -> bool | None:
        policy = self._policy()
        if policy is None or not session.username:
            return False
        expected = policy.passwords.get(session.username)
        given = session.password or ""
        if expected is None:
            return False
        return hmac.compare_digest(expected.encode(), str(given).encode())

    async def topic_filtering(self, *, session: Session | None = None, topic: str | None = None,
                              action: Action | None = None) -> bool | None:
        policy = self._policy()
        if policy is None or session is None or not session.username or not topic:
            return False
        rights = policy.rights.get(session.username)
        if rights is None:
            return False
        publish, subscribe = rights
        allowed: Sequence[str] = publish if action == Action.PUBLISH else subscribe
        return any(filter_allows(pattern, topic) for pattern in allowed)


def controller_rights(prefix: str, site: str, controller: str) -> tuple[list[str], list[str]]:
    """(publish, subscribe) topics of one controller: exactly its own channels."""
    publish: list[str] = []
    subscribe: list[str] = []
    for channel, (publisher, _qos, _retain, _types) in sorted(topics.CHANNELS.items()):
        if channel == topics.HUB_STATUS:
            subscribe.append(topics.hub_status_topic(prefix, site))
            continue
        topic = topics.controller_topic(prefix, site, controller, channel)
        (publish if publisher == topics.EDGE else subscribe).append(topic)
    return publish, subscribe


def hub_rights(prefix: str) -> tuple[list[str], list[str]]:
    """The hub's account: everything under the prefix."""
    return [f"{prefix}/#"], [f"{prefix}/#"]

