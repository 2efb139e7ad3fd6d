"""The compiled access list in memory: sorted parallel arrays, shared tables, a temporary area.

The layout (docs/compiled-list.md) keeps a card at about 12 bytes: its 64-bit key in a
sorted ``array('Q')``, a profile index (``'H'``, ``'I'`` past 65,536 profiles) and an
index into a deduplicated table of terms ``(valid_from, valid_to, flags)`` (``'B'``,
``'H'`` or ``'I'``, as narrow as the table allows). Term 0 is always the default
(unbounded, no flags), which most cards use. Everything else is shared: profiles map
readers to schedules, and a schedule is an ``array('I')`` of window boundaries.

``temp`` is the temporary card area: ``{key: (profile, valid_from, valid_to, flags)}``,
or ``None`` for a removed card. It overrides the arrays, so a card delta takes effect in
O(1); :meth:`AccessList.compact` merges it into the arrays off the hot path.
"""

import hashlib
from array import array

from protocols.portable.errors import AccessListError
from protocols.portable.ordered import bisect_left, sort_order

FORMAT = 1  # the "f" field of snapshots and deltas

TIME_MAX = 0xFFFFFFFF  # times are unsigned 32-bit UTC unix seconds
KEY_MAX = (1 << 64) - 1
READER_MAX = 0xFFFF
VERSION_MAX = (1 << 64) - 1
SALT_MAX = 64  # bytes
TEXT_MAX = 128  # characters of site and controller ids
PIN_HASH_SIZE = 8
PIN_DIGITS_MAX = 16

CARD_WITHDRAWN = 1
CARD_FLAGS = CARD_WITHDRAWN  # every card flag bit format 1 defines
READER_PIN = 1  # card + PIN reader
READER_FLAGS = READER_PIN  # every reader flag bit format 1 defines

DEFAULT_TERMS = (0, TIME_MAX, 0)


def index_typecode(count: int) -> str:
    """The narrowest unsigned array typecode that holds indexes below ``count``."""
    if count <= 0x100:
        return "B"
    if count <= 0x10000:
        return "H"
    return "I"


def profile_typecode(count: int) -> str:
    # Never 'B': a profile appended by a delta would force a copy of the whole array.
    return "H" if count <= 0x10000 else "I"


_WIDTHS = "BHI"
_BY_SIZE = {1: "B", 2: "H", 4: "I", 8: "Q"}


def typecode_of(arr: "array[int]") -> str:
    """The typecode of an unsigned array; ``""`` for an empty one on MicroPython.

    MicroPython arrays have no ``typecode`` attribute, so there the item size of the
    first element tells (our typecodes B, H, I, Q all differ in size).
    """
    code = getattr(arr, "typecode", None)
    if code is not None:
        return code  # type: ignore[no-any-return]
    if not len(arr):
        return ""
    return _BY_SIZE[len(bytes(arr[0:1]))]


def wider(a: str, b: str) -> str:
    """The wider of two unsigned typecodes among ``'B' < 'H' < 'I'`` (``""`` is narrowest)."""
    if not a:
        return b
    return a if _WIDTHS.index(a) >= _WIDTHS.index(b) else b


def fit(arr: "array[int]", typecode: str) -> "array[int]":
    """``arr`` itself when its typecode is at least as wide as ``typecode``, else a wider copy."""
    have = typecode_of(arr)
    code = wider(have, typecode)
    return arr if code == have else array(code, arr)


def pin_hash(salt: bytes, key: int, pin: str) -> bytes:
    """The 8-byte PIN hash stored in a list: ``sha256(salt + key as 8 bytes BE + digits)[:8]``.

    An 8-byte truncated salted hash keeps PINs out of plain sight on a device and in
    logs; it does not resist brute force by someone who holds the list (PINs are short),
    so the list itself must stay protected.
    """
    if not isinstance(pin, str) or not pin or len(pin) > PIN_DIGITS_MAX or not pin.isdigit():
        raise AccessListError("a PIN must be 1 to " + str(PIN_DIGITS_MAX) + " decimal digits")
    h = hashlib.sha256(salt)
    h.update(key.to_bytes(8, "big"))
    h.update(pin.encode())
    return h.digest()[:PIN_HASH_SIZE]


class AccessList:
    """One controller's compiled access list (see the module docstring for the layout).

    Read cards with :meth:`lookup` (or ``edge.core.decide``); build lists with
    ``AccessListBuilder``, decode them with ``decode_snapshot``, change them with
    ``apply_delta``. The arrays are sorted by key and must not be edited directly.
    """

    def __init__(
        self,
        version: int = 0,
        *,
        site: str = "",
        controller: str = "",
        horizon_start: int = 0,
        horizon_end: int = TIME_MAX,
        salt: bytes = b"",
    ) -> None:
        self.version = version
        self.site = site
        self.controller = controller
        self.horizon_start = horizon_start
        self.horizon_end = horizon_end
        self.salt = salt
        self.readers: dict[int, int] = {}  # reader id -> reader flags
        self.schedules: list[array[int]] = []  # window boundaries, 'I'
        self.profiles: list[dict[int, int]] = []  # reader id -> schedule index
        self.keys: array[int] = array("Q")
        self.card_profile: array[int] = array("H")
        self.card_terms: array[int] = array("B")
        # the deduplicated terms table; entry 0 is DEFAULT_TERMS
        self.valid_from: array[int] = array("I", [0])
        self.valid_to: array[int] = array("I", [TIME_MAX])
        self.flags: array[int] = array("B", [0])
        self.pins: dict[int, bytes] = {}  # key -> 8-byte PIN hash
        self.temp: dict[int, tuple[int, int, int, int] | None] = {}

    def lookup(self, key: int) -> "tuple[int, int, int, int] | None":
        """``(profile, valid_from, valid_to, flags)`` of card ``key``, or None if not listed."""
        temp = self.temp
        if temp and key in temp:
            return temp[key]
        keys = self.keys
        i = bisect_left(keys, key)
        if i < len(keys) and keys[i] == key:
            t = self.card_terms[i]
            return self.card_profile[i], self.valid_from[t], self.valid_to[t], self.flags[t]
        return None

    def card_count(self) -> int:
        """How many cards the list holds (temporary area included)."""
        count = len(self.keys)
        keys = self.keys
        for key, entry in self.temp.items():
            i = bisect_left(keys, key)
            listed = i < len(keys) and keys[i] == key
            if entry is None and listed:
                count -= 1
            elif entry is not None and not listed:
                count += 1
        return count

    def cards(self) -> "list[tuple[int, int, int, int, int]]":
        """Every card as ``(key, profile, valid_from, valid_to, flags)``, ascending key.

        Compacts first. Meant for tests and tools; the hot paths read the arrays.
        """
        self.compact()
        vf = self.valid_from
        vt = self.valid_to
        fl = self.flags
        terms = self.card_terms
        prof = self.card_profile
        out = []
        for i, key in enumerate(self.keys):
            t = terms[i]
            out.append((key, prof[i], vf[t], vt[t], fl[t]))
        return out

    def terms_index(self) -> "dict[tuple[int, int, int], int]":
        """``{(valid_from, valid_to, flags): index}`` of the terms table."""
        vf = self.valid_from
        vt = self.valid_to
        fl = self.flags
        index = {}
        for t in range(len(vf) - 1, -1, -1):  # lowest index wins for duplicates
            index[(vf[t], vt[t], fl[t])] = t
        return index

    def add_terms(
        self, index: "dict[tuple[int, int, int], int]", terms: "tuple[int, int, int]"
    ) -> int:
        """The table index of ``terms``, appending them when new (``index`` is kept in step)."""
        t = index.get(terms)
        if t is None:
            t = len(self.valid_from)
            self.valid_from.append(terms[0])
            self.valid_to.append(terms[1])
            self.flags.append(terms[2])
            index[terms] = t
        return t

    def compact(self) -> None:
        """Merge the temporary card area into the sorted arrays (O(cards + changes))."""
        temp = self.temp
        if not temp:
            return
        changed = list(temp)
        changed = [changed[i] for i in sort_order(changed)]
        index = self.terms_index()
        keys = self.keys
        prof = self.card_profile
        terms = self.card_terms
        n = len(keys)
        new_keys = array("Q")
        new_prof: list[int] = []  # typecodes are chosen once the tables' sizes are known
        new_terms: list[int] = []
        spans = []  # (start, end, position in new_prof) of unchanged stretches
        pos = 0
        for key in changed:
            i = bisect_left(keys, key, pos, n)
            if i > pos:
                spans.append((pos, i, len(new_keys)))
                new_keys.extend(keys[pos:i])
            entry = temp[key]
            if entry is not None:
                new_keys.append(key)
                new_prof.append(entry[0])
                new_terms.append(self.add_terms(index, (entry[1], entry[2], entry[3])))
            pos = i + 1 if i < n and keys[i] == key else i
        if pos < n:
            spans.append((pos, n, len(new_keys)))
            new_keys.extend(keys[pos:n])
        card_profile = _splice(prof, spans, new_prof, len(new_keys),
                               profile_typecode(len(self.profiles)))
        card_terms = _splice(terms, spans, new_terms, len(new_keys),
                             index_typecode(len(self.valid_from)))
        # swap only when everything is built: a MemoryError above leaves the list intact
        self.keys = new_keys
        self.card_profile = card_profile
        self.card_terms = card_terms
        self.temp = {}


def _splice(
    old: "array[int]", spans: "list[tuple[int, int, int]]", inserted: "list[int]", total: int,
    typecode: str,
) -> "array[int]":
    """A new array of ``total`` items: stretches of ``old`` (``spans``) with ``inserted`` between.

    ``spans`` gives each kept stretch as (start, end, destination); the gaps between
    destinations are filled from ``inserted`` in order.
    """
    old = fit(old, typecode)  # extend() needs equal typecodes on CPython
    out = array(wider(typecode_of(old), typecode))
    k = 0
    at = 0
    for start, end, dest in spans:
        while at < dest:
            out.append(inserted[k])
            k += 1
            at += 1
        out.extend(old[start:end])
        at += end - start
    while at < total:
        out.append(inserted[k])
        k += 1
        at += 1
    return out
