"""One call per direction: a message to an MQTT payload for a topic, and back.

``pack`` and ``unpack`` tie the layers together the same way on hub and edge, so no
side forgets a check: the message type must belong on the topic's channel, the payload
is sealed for exactly that topic (``hub/status`` alone is plain, see docs/wire.md), and
a ``birth``/``death`` must name the controller its topic names.

Key choice is the caller's, and it matters: the hub must verify a payload with the
keys of the controller *in the topic* (one ``auth.Verifier`` per controller), never with
a pool of every device's keys, or one device could speak for another.
"""

from protocols.portable import cbor, messages, topics
from protocols.portable.auth import Sealer, Verifier
from protocols.portable.errors import AuthError, MessageError

_NAMES_CONTROLLER = ("birth", "death")  # message types whose "ctl" must match the topic


def _check_controller(controller: str | None, msg_type: str,
                      fields: dict[str, object]) -> None:
    if msg_type in _NAMES_CONTROLLER and fields["ctl"] != controller:
        raise MessageError(msg_type + ".ctl: " + repr(fields["ctl"]) + " does not match the "
                           "topic's controller " + repr(controller))


def pack(sealer: Sealer | None, topic: str, msg_type: str, fields: dict[str, object],
         prefix: str = topics.DEFAULT_PREFIX) -> bytes:
    """The MQTT payload of a message for ``topic``: encoded, checked, sealed for the topic.

    ``sealer`` may be None only for ``hub/status``. Uses up one counter of the sealer.
    """
    _site, controller, channel = topics.parse(topic, prefix)
    allowed = topics.message_types(channel)
    if msg_type not in allowed:
        raise MessageError("message type " + repr(msg_type) + " does not belong on channel "
                           + repr(channel) + " (it carries " + " or ".join(allowed) + ")")
    data = messages.encode(msg_type, fields)
    _check_controller(controller, msg_type, fields)
    if channel == topics.HUB_STATUS:
        return data
    if sealer is None:
        raise AuthError("channel " + repr(channel) + " carries only sealed messages")
    return sealer.seal(data, topic)


def unpack(verifier: Verifier | None, topic: str, payload: bytes,
           prefix: str = topics.DEFAULT_PREFIX,
           max_size: int = cbor.MAX_SIZE) -> tuple[str, dict[str, object]]:
    """``(msg_type, fields)`` of a payload received on ``topic``, verified and validated.

    Raises TopicError, CborError, AuthError (ReplayError for a replay or a duplicate:
    drop it quietly) or MessageError; ``verifier`` may be None only for ``hub/status``.
    """
    _site, controller, channel = topics.parse(topic, prefix)
    if channel == topics.HUB_STATUS:
        data = payload
    else:
        if verifier is None:
            raise AuthError("channel " + repr(channel) + " carries only sealed messages")
        data = verifier.verify(payload, topic)[2]
    msg_type, fields = messages.decode(data, topics.message_types(channel), max_size)
    _check_controller(controller, msg_type, fields)
    return msg_type, fields
