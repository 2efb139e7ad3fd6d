"""Card keys: one unsigned 64-bit integer per credential, the same on hub and edge.

The top 8 bits name the credential format, the low 56 bits hold its value (the Wiegand
payload without parity bits, or a raw card number / UID). Keys of one format sort
together, so sorted keys of a site's cards delta-encode into a byte or two each.

Raw N-bit values (UIDs, unknown Wiegand formats) use format ``RAW_BASE + N`` so a 4-byte
and a 7-byte UID with equal numeric value stay distinct.
"""

from protocols.portable.errors import ProtocolError

VALUE_BITS = 56
VALUE_MASK = (1 << VALUE_BITS) - 1

# Format ids (8 bits). Never renumber: they are in every compiled list on the wire.
H10301_26 = 1  # 26-bit HID H10301: 8-bit facility, 16-bit card number
H10306_34 = 2  # 34-bit HID H10306: 16-bit facility, 16-bit card number
CORP1000_35 = 3  # 35-bit HID Corporate 1000: 12-bit company, 20-bit card number
H10304_37 = 4  # 37-bit HID H10304: 16-bit facility, 19-bit card number
CORP1000_48 = 5  # 48-bit HID Corporate 1000: 22-bit company, 23-bit card number
KEYPAD = 6  # a keypad code used as a credential (value = the code as an integer)
RAW_BASE = 64  # RAW_BASE + N: raw N-bit value, 1 <= N <= 56

FORMAT_NAMES = {
    H10301_26: "H10301",
    H10306_34: "H10306",
    CORP1000_35: "CORP1000-35",
    H10304_37: "H10304",
    CORP1000_48: "CORP1000-48",
    KEYPAD: "KEYPAD",
}


def raw_format(bits: int) -> int:
    """The format id of a raw ``bits``-bit value."""
    if bits < 1 or bits > VALUE_BITS:
        raise ProtocolError("raw card values must have 1 to 56 bits, got " + str(bits))
    return RAW_BASE + bits


def card_key(fmt: int, value: int) -> int:
    """Pack a format id and value into a card key."""
    if fmt < 1 or fmt > 255:
        raise ProtocolError("card format id must be 1..255, got " + str(fmt))
    if value < 0 or value > VALUE_MASK:
        raise ProtocolError("card value must be 0..2**56-1, got " + str(value))
    if fmt > RAW_BASE and value >> (fmt - RAW_BASE):
        raise ProtocolError(
            "card value " + str(value) + " does not fit in " + str(fmt - RAW_BASE) + " bits"
        )
    return (fmt << VALUE_BITS) | value


def split_key(key: int) -> tuple[int, int]:
    """(format id, value) of a card key."""
    return key >> VALUE_BITS, key & VALUE_MASK


def format_name(fmt: int) -> str:
    if fmt > RAW_BASE:
        return "RAW" + str(fmt - RAW_BASE)
    return FORMAT_NAMES.get(fmt, "FORMAT" + str(fmt))


def masked(key: int) -> str:
    """The key for logs: format and last 4 digits only (full card numbers are never logged)."""
    fmt, value = split_key(key)
    digits = str(value)
    return format_name(fmt) + ":*" + digits[-4:]
