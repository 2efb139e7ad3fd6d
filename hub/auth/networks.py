"""Per-user IP allow-lists: which client addresses a user may connect from.

Entries are IPv4 or IPv6 addresses or networks in CIDR form (``192.168.1.20``,
``10.0.0.0/8``, ``2001:db8::/32``). An IPv4 client reaching the hub over IPv6
(``::ffff:192.168.1.20``) is matched as the IPv4 address it is.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from hub.errors import Invalid

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_network(text: object) -> str:
    """The normalised text of an address or network, or Invalid saying why not."""
    if not isinstance(text, str) or not text.strip():
        raise Invalid("networks", "give an address such as 192.168.1.20 or a network such "
                                  "as 10.0.0.0/8")
    try:
        network = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError as err:
        raise Invalid("networks", f"{text.strip()!r} is not an IP address or network") from err
    return str(network)


def parse_networks(text: str) -> list[str]:
    """Networks from text with one entry per line (or separated by commas or spaces)."""
    entries = text.replace(",", " ").split()
    return list(dict.fromkeys(parse_network(entry) for entry in entries))


def client_address(text: str | None) -> Address | None:
    """The client's address (IPv4-mapped IPv6 unwrapped), None when unknown or malformed."""
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def allowed(remote: str | None, networks: Iterable[str]) -> bool:
    """Whether a client at ``remote`` may connect: always without entries; else only from
    an address inside one of them (an unknown address is refused)."""
    entries = [ipaddress.ip_network(n, strict=False) for n in networks]
    if not entries:
        return True
    address = client_address(remote)
    if address is None:
        return False
    return any(address.version == net.version and address in net for net in entries)
