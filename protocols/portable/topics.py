"""The MQTT topic scheme, in one place for hub and edge (docs/wire.md has the table).

    <prefix>/v1/<site>/<controller>/<channel>    per controller
    <prefix>/v1/<site>/hub/status                the hub's presence, per site

``prefix`` is one or more levels (default ``vratnik``); site and controller ids follow
names.py (``[A-Za-z0-9_-]``, 1..64), so they can never be MQTT wildcards or separators.
``hub`` is reserved and cannot be a controller id. ``v1`` is the version of this scheme;
the payloads carry their own version.
"""

from protocols.portable.errors import ProtocolError
from protocols.portable.names import name_problem

SCHEME = "v1"
DEFAULT_PREFIX = "vratnik"
HUB = "hub"  # reserved level: <prefix>/v1/<site>/hub/status
HUB_STATUS = "hub/status"

EDGE = "edge"  # who publishes on a channel
HUB_SIDE = "hub"

# channel -> (publisher, QoS, retained, message types carried)
CHANNELS = {
    "birth": (EDGE, 1, True, ("birth",)),
    "state": (EDGE, 1, True, ("death",)),  # the last will; also sent on a clean shutdown
    "manifest": (HUB_SIDE, 1, True, ("manifest",)),
    "list/req": (EDGE, 1, False, ("list_request",)),
    "list/snap": (HUB_SIDE, 1, False, ("snapshot_chunk",)),
    "list/delta": (HUB_SIDE, 1, False, ("delta",)),
    "list/applied": (EDGE, 1, False, ("list_applied", "list_error")),
    "events": (EDGE, 1, False, ("event", "event_batch")),
    "events/ack": (HUB_SIDE, 1, False, ("event_ack",)),
    "cmd": (HUB_SIDE, 1, False, ("command",)),  # never retained: a late unlock is wrong
    "cmd/result": (EDGE, 1, False, ("command_result",)),
    "photos": (EDGE, 1, False, ("photo_chunk",)),
    "photos/ack": (HUB_SIDE, 1, False, ("photo_ack",)),
    HUB_STATUS: (HUB_SIDE, 1, True, ("hub_status",)),  # per site, not per controller
}


class TopicError(ProtocolError):
    """A topic or topic part that does not follow the scheme."""


def check_prefix(prefix: str) -> str:
    """``prefix`` if it is one or more valid levels separated by '/'; TopicError otherwise."""
    if not isinstance(prefix, str) or not prefix:
        raise TopicError("topic prefix must be non-empty text")
    for level in prefix.split("/"):
        problem = name_problem(level)
        if problem:
            raise TopicError("topic prefix " + repr(prefix) + ": level " + repr(level) + " "
                             + problem)
    return prefix


def check_id(what: str, value: str) -> str:
    """``value`` if it is a valid site or controller id; TopicError naming ``what`` otherwise."""
    problem = name_problem(value)
    if problem:
        raise TopicError(what + " id " + repr(value) + " " + problem)
    if what == "controller" and value == HUB:
        raise TopicError("controller id 'hub' is reserved for the hub's own topics")
    return value


def _base(prefix: str, site: str) -> str:
    return check_prefix(prefix) + "/" + SCHEME + "/" + check_id("site", site)


def controller_topic(prefix: str, site: str, controller: str, channel: str) -> str:
    """The topic of one controller's channel, e.g. ``vratnik/v1/plant1/door-7/events``."""
    if channel not in CHANNELS or channel == HUB_STATUS:
        raise TopicError("unknown controller channel " + repr(channel))
    return _base(prefix, site) + "/" + check_id("controller", controller) + "/" + channel


def hub_status_topic(prefix: str, site: str) -> str:
    """The hub's retained presence topic of a site."""
    return _base(prefix, site) + "/" + HUB_STATUS


def parse(topic: str, prefix: str = DEFAULT_PREFIX) -> tuple[str, str | None, str]:
    """``(site, controller, channel)`` of a topic; controller is None for hub/status."""
    head = check_prefix(prefix) + "/" + SCHEME + "/"
    if not isinstance(topic, str) or not topic.startswith(head):
        raise TopicError("topic " + repr(topic) + " does not start with " + repr(head))
    parts = topic[len(head):].split("/")
    if len(parts) < 3:
        raise TopicError("topic " + repr(topic) + " is too short: expected "
                         + head + "<site>/<controller>/<channel>")
    site = check_id("site", parts[0])
    rest = "/".join(parts[2:])
    if parts[1] == HUB:
        if rest != "status":
            raise TopicError("unknown hub channel " + repr(rest) + " in " + repr(topic))
        return site, None, HUB_STATUS
    controller = check_id("controller", parts[1])
    if rest not in CHANNELS or rest == HUB_STATUS:
        raise TopicError("unknown channel " + repr(rest) + " in " + repr(topic))
    return site, controller, rest


def qos(channel: str) -> int:
    """The QoS to publish and subscribe with on ``channel``."""
    return _channel(channel)[1]


def retained(channel: str) -> bool:
    """Whether messages on ``channel`` are published with the retain flag."""
    return _channel(channel)[2]


def message_types(channel: str) -> tuple[str, ...]:
    """The message types ``channel`` carries (pass to messages.decode as ``allowed``)."""
    return _channel(channel)[3]


def _channel(channel: str) -> tuple[str, int, bool, tuple[str, ...]]:
    spec = CHANNELS.get(channel)
    if spec is None:
        raise TopicError("unknown channel " + repr(channel))
    return spec


def edge_subscriptions(prefix: str, site: str, controller: str) -> list[tuple[str, int]]:
    """``(topic, qos)`` an edge subscribes to: every hub-published channel of its own."""
    subs = []
    for channel in sorted(CHANNELS):
        publisher, level = CHANNELS[channel][0], CHANNELS[channel][1]
        if publisher != HUB_SIDE:
            continue
        if channel == HUB_STATUS:
            subs.append((hub_status_topic(prefix, site), level))
        else:
            subs.append((controller_topic(prefix, site, controller, channel), level))
    return subs


def hub_subscriptions(prefix: str, site: str = "+") -> list[tuple[str, int]]:
    """``(topic filter, qos)`` the hub subscribes to: every edge channel of every controller.

    ``site`` is one site id, or ``"+"`` for all sites on the broker.
    """
    base = check_prefix(prefix) + "/" + SCHEME + "/"
    base += "+" if site == "+" else check_id("site", site)
    subs = []
    for channel in sorted(CHANNELS):
        if CHANNELS[channel][0] == EDGE:
            subs.append((base + "/+/" + channel, CHANNELS[channel][1]))
    return subs
