"""Building a compiled access list: the hub's compiler (and the tests) feed cards in any order.

    b = AccessListBuilder(version=7, site="hq", controller="door-1",
                          horizon_start=hs, horizon_end=he, salt=salt)
    b.reader(1)
    b.reader(2, READER_PIN)
    office = b.schedule([(t0, t1), (t2, t3)])      # windows [start, end), any order
    staff = b.profile({1: office, 2: office})
    b.card(key, staff, pin="1234")
    compiled = b.build()

Schedules and profiles are deduplicated on the way in, so compilers may ask for the same
one per person and still get one shared index. Overlapping or touching windows are merged.
"""

from array import array

from protocols.portable import accesslist_check as check
from protocols.portable.accesslist_model import (
    DEFAULT_TERMS,
    KEY_MAX,
    READER_MAX,
    SALT_MAX,
    TEXT_MAX,
    TIME_MAX,
    VERSION_MAX,
    AccessList,
    index_typecode,
    pin_hash,
    profile_typecode,
)
from protocols.portable.cardkey import masked
from protocols.portable.errors import AccessListError
from protocols.portable.ordered import sort_order, sorted_ints


def normalize_windows(windows: "list[tuple[int, int]]", what: str = "schedule") -> "array[int]":
    """Windows ``[(start, end), ...]`` as sorted, merged boundaries ``array('I')``.

    Empty windows (``start == end``) vanish; overlapping or touching ones merge.
    """
    starts = []
    ends = []
    for n, window in enumerate(windows):
        label = what + " window " + str(n)
        if not isinstance(window, (tuple, list)) or len(window) != 2:
            raise AccessListError(label + " must be a (start, end) pair")
        start = check.uint(window[0], TIME_MAX, label + " start")
        end = check.uint(window[1], TIME_MAX, label + " end")
        if start > end:
            raise AccessListError(label + " ends (" + str(end) + ") before it starts ("
                                  + str(start) + ")")
        if start < end:
            starts.append(start)
            ends.append(end)
    out = array("I")
    for i in sort_order(starts):
        start = starts[i]
        end = ends[i]
        if out and start <= out[-1]:
            out[-1] = max(out[-1], end)
        else:
            out.append(start)
            out.append(end)
    return out


class AccessListBuilder:
    """Collects readers, schedules, profiles and cards; :meth:`build` makes the AccessList."""

    def __init__(
        self,
        version: int = 1,
        *,
        site: str = "",
        controller: str = "",
        horizon_start: int = 0,
        horizon_end: int = TIME_MAX,
        salt: bytes = b"",
    ) -> None:
        self.version = check.uint(version, VERSION_MAX, "version")
        self.site = check.text(site, TEXT_MAX, "site")
        self.controller = check.text(controller, TEXT_MAX, "controller")
        self.horizon_start, self.horizon_end = check.horizon(horizon_start, horizon_end, "list")
        self.salt = check.raw(salt, "salt", limit=SALT_MAX)
        self.readers: dict[int, int] = {}
        self.schedules: list[array[int]] = []
        self._schedule_ids: dict[bytes, int] = {}
        self.profiles: list[dict[int, int]] = []
        self._profile_ids: dict[tuple[int, ...], int] = {}
        self._keys: array[int] = array("Q")
        self._profile: array[int] = array("I")
        self._terms: array[int] = array("I")
        self._terms_ids: dict[tuple[int, int, int], int] = {DEFAULT_TERMS: 0}
        self._terms_list: list[tuple[int, int, int]] = [DEFAULT_TERMS]
        self.pins: dict[int, bytes] = {}

    def reader(self, reader_id: int, flags: int = 0) -> None:
        """Declare a reader (``flags``: ``READER_PIN`` for card + PIN)."""
        rid = check.uint(reader_id, READER_MAX, "reader id")
        self.readers[rid] = check.reader_flags(flags, "reader " + str(rid) + " flags")

    def schedule(self, windows: "list[tuple[int, int]]") -> int:
        """The index of the schedule made of ``windows`` (UTC ``[start, end)`` pairs)."""
        boundaries = normalize_windows(windows)
        ident = bytes(boundaries)
        found = self._schedule_ids.get(ident)
        if found is None:
            found = len(self.schedules)
            self.schedules.append(boundaries)
            self._schedule_ids[ident] = found
        return found

    def profile(self, access: "dict[int, int]") -> int:
        """The index of the profile ``{reader id: schedule index}``."""
        if not isinstance(access, dict):
            raise AccessListError("a profile must be a dict {reader id: schedule index}")
        flat = []
        for rid in sorted_ints([check.uint(r, READER_MAX, "profile reader") for r in access]):
            flat.append(rid)
            flat.append(check.index(access[rid], len(self.schedules),
                                    "profile reader " + str(rid), "schedule"))
        ident = tuple(flat)
        found = self._profile_ids.get(ident)
        if found is None:
            found = len(self.profiles)
            self.profiles.append(dict(access))
            self._profile_ids[ident] = found
        return found

    def card(
        self,
        key: int,
        profile: int,
        valid_from: int = 0,
        valid_to: int = TIME_MAX,
        *,
        flags: int = 0,
        pin: "str | None" = None,
    ) -> None:
        """Add card ``key`` with a profile, badge validity ``[valid_from, valid_to)``,
        flags (``CARD_WITHDRAWN``) and optionally its PIN digits (stored hashed)."""
        check.uint(key, KEY_MAX, "card key")
        check.index(profile, len(self.profiles), "card profile", "profile")
        vf, vt = check.validity(valid_from, valid_to, "card")
        terms = (vf, vt, check.card_flags(flags, "card flags"))
        t = self._terms_ids.get(terms)
        if t is None:
            t = len(self._terms_list)
            self._terms_list.append(terms)
            self._terms_ids[terms] = t
        self._keys.append(key)
        self._profile.append(profile)
        self._terms.append(t)
        if pin is not None:
            self.pins[key] = pin_hash(self.salt, key, pin)

    def build(self) -> AccessList:
        """The AccessList; AccessListError for a card listed twice or an undeclared reader."""
        for p, access in enumerate(self.profiles):
            for rid in access:
                if rid not in self.readers:
                    raise AccessListError(
                        "profile " + str(p) + " names reader " + str(rid)
                        + ", which was never declared with reader()"
                    )
        result = AccessList(self.version, site=self.site, controller=self.controller,
                            horizon_start=self.horizon_start, horizon_end=self.horizon_end,
                            salt=self.salt)
        result.readers = dict(self.readers)
        result.schedules = list(self.schedules)
        result.profiles = [dict(p) for p in self.profiles]
        vf = array("I")
        vt = array("I")
        fl = array("B")
        for entry in self._terms_list:
            vf.append(entry[0])
            vt.append(entry[1])
            fl.append(entry[2])
        result.valid_from = vf
        result.valid_to = vt
        result.flags = fl
        raw_keys = self._keys
        order = sort_order(raw_keys)
        keys = array("Q", [raw_keys[i] for i in order])
        for i in range(1, len(keys)):
            if keys[i] == keys[i - 1]:
                raise AccessListError("card " + masked(keys[i]) + " is listed twice")
        prof = self._profile
        terms = self._terms
        result.keys = keys
        result.card_profile = array(profile_typecode(len(self.profiles)),
                                    [prof[i] for i in order])
        result.card_terms = array(index_typecode(len(vf)), [terms[i] for i in order])
        result.pins = dict(self.pins)
        return result
