"""Malformed snapshots are rejected with an AccessListError that names the field (both runtimes).

Each case decodes the good fixture snapshot to plain CBOR values, breaks one thing,
re-encodes, and expects decode_snapshot to say what and where.
"""

from protocols.portable import cbor
from protocols.portable.accesslist import AccessListError, decode_snapshot, encode_snapshot
from protocols.portable.varint import decode_ascending, encode_ascending, encode_uints
from tests.portable.accesslist_fixtures import build
from tests.portable.util import raises

GOOD = encode_snapshot(build())


def _fields():
    return cbor.decode(GOOD)


def _rejects(fields, *expected):
    """decode_snapshot(fields) raises AccessListError whose message holds every ``expected``."""
    data = cbor.encode(fields) if not isinstance(fields, bytes) else fields
    message = str(raises(AccessListError, decode_snapshot, data))
    for part in expected:
        assert part in message, (part, message)
    return message


def _with(name, value):
    fields = _fields()
    fields[name] = value
    return fields


def test_the_good_snapshot_decodes():
    assert encode_snapshot(decode_snapshot(GOOD)) == GOOD


def test_truncated_or_not_cbor():
    _rejects(GOOD[:-1], "not valid CBOR", "truncated")
    _rejects(GOOD[:20], "not valid CBOR")
    _rejects(GOOD + b"\x00", "not valid CBOR", "trailing")
    _rejects(b"", "not valid CBOR")
    _rejects(cbor.encode([1, 2]), "must be a CBOR map")


def test_fields_missing_unknown_or_of_another_format():
    fields = _fields()
    del fields["tm"]
    _rejects(fields, "no field 'tm'")
    _rejects(_with("zz", 1), "unknown field", "zz")
    _rejects(_with("f", 2), "format 2")


def test_wrong_types_name_the_field():
    _rejects(_with("ver", "7"), "'ver'", "integer")
    _rejects(_with("ver", -1), "'ver'")
    _rejects(_with("site", 5), "'site'", "text")
    _rejects(_with("salt", "x"), "'salt'", "bytes")
    _rejects(_with("salt", bytes(65)), "'salt'", "at most 64")
    _rejects(_with("rd", {}), "'rd'", "array")
    _rejects(_with("sc", [5]), "'sc'[0]", "bytes")
    _rejects(_with("pr", [[1, True]]), "'pr'[0]", "integer")
    _rejects(_with("cd", "x"), "'cd'", "array")
    _rejects(_with("hs", _fields()["he"]), "horizon", "empty")
    _rejects(_with("he", 1 << 32), "horizon end")


def test_readers_unsorted_or_with_unknown_flags():
    fields = _fields()
    fields["rd"] = list(reversed(fields["rd"]))
    _rejects(fields, "'rd'[1]", "ascending")
    fields = _fields()
    fields["rd"][0] = [fields["rd"][0][0], 6]
    _rejects(fields, "'rd'[0]", "flag")
    fields = _fields()
    fields["rd"][0] = [70000, 0]
    _rejects(fields, "'rd'[0] reader id")


def test_schedules_malformed_duplicated_or_unused():
    fields = _fields()
    fields["sc"][0] = encode_ascending([1, 2, 3])
    _rejects(fields, "'sc'[0]", "odd number")
    fields = _fields()
    fields["sc"][0] = b"\x80"
    _rejects(fields, "'sc'[0]", "truncated")
    fields = _fields()
    fields["sc"][1] = fields["sc"][0]
    _rejects(fields, "'sc'[1]", "repeats schedule 0")
    fields = _fields()
    fields["sc"].append(encode_ascending([7, 8]))
    _rejects(fields, "'sc'[" + str(len(fields["sc"]) - 1) + "]", "not used")


def _profile0(**items):
    """The fixture's fields with items of profile 0's flat list replaced ({position: value})."""
    fields = _fields()
    flat = list(fields["pr"][0])
    for position, value in items.items():
        flat[int(position[1:])] = value
    fields["pr"][0] = flat
    return fields


def test_profiles_with_bad_readers_indexes_order_or_duplicates():
    _rejects(_profile0(p0=9), "'pr'[0]", "reader 9", "not listed")
    _rejects(_profile0(p1=99), "'pr'[0]", "schedule 99")
    first = _fields()["pr"][0]
    _rejects(_profile0(p0=first[2], p2=first[0]), "'pr'[0]", "ascending")
    _rejects(_profile0(p1=1), "'pr'[0]", "first-use")
    fields = _fields()
    fields["pr"][1] = fields["pr"][0]
    _rejects(fields, "'pr'[1]", "repeats profile 0")


def test_card_groups_wrong_count_index_order_or_duplicate_keys():
    fields = _fields()
    fields["cd"] = fields["cd"][:-1]
    _rejects(fields, "'cd'", "every profile needs its cards")
    fields = _fields()
    fields["cd"][0] = [5, fields["cd"][0][1]]
    _rejects(fields, "'cd'[0]", "expected 0")
    fields = _fields()
    fields["cd"][0] = [0, b""]
    _rejects(fields, "'cd'[0]", "no cards")
    fields = _fields()
    fields["cd"][0][1], fields["cd"][1][1] = fields["cd"][1][1], fields["cd"][0][1]
    _rejects(fields, "'cd'[1]", "lowest card key")
    fields = _fields()
    group0 = list(decode_ascending(fields["cd"][0][1], "Q", "x"))
    group1 = list(decode_ascending(fields["cd"][1][1], "Q", "x"))
    assert group1[0] > group0[0]
    group0.append(group1[0])  # in both groups
    fields["cd"][0] = [0, encode_ascending(sorted(group0))]
    _rejects(fields, "'cd'", "listed twice")
    fields = _fields()
    fields["cd"][0] = [0, b"\x05\x00"]
    _rejects(fields, "'cd'[0] keys", "not strictly ascending")


def test_terms_and_validity_positions():
    fields = _fields()
    fields["tm"].append(list(fields["tm"][0]))
    _rejects(fields, "'tm'[" + str(len(fields["tm"]) - 1) + "]", "repeats")
    fields = _fields()
    fields["tm"][0] = [0, 0xFFFFFFFF, 0]
    _rejects(fields, "'tm'[0]", "default")
    fields = _fields()
    fields["tm"][0] = [9, 9, 0]
    _rejects(fields, "'tm'[0]", "empty")
    fields = _fields()
    fields["tm"].append([1, 2, 0])
    _rejects(fields, "'tm'[" + str(len(fields["tm"]) - 1) + "]", "not used")
    fields = _fields()
    fields["vx"] = [encode_ascending([0, 500]), encode_uints([0, 1])]
    _rejects(fields, "'vx' positions", "does not exist")
    fields = _fields()
    fields["vx"] = [fields["vx"][0], fields["vx"][1] + b"\x00"]
    _rejects(fields, "'vx'", "positions but")
    fields = _fields()
    count = len(fields["tm"])
    fields["vx"] = [encode_ascending([0]), encode_uints([count])]
    _rejects(fields, "'vx' terms", "above")
    fields = _fields()
    fields["vx"] = [fields["vx"][0], encode_uints(list(reversed(range(count))))]
    _rejects(fields, "'vx'", "first-use")


def test_pins_with_bad_hashes_or_positions():
    fields = _fields()
    fields["pin"] = [fields["pin"][0], fields["pin"][1][:-1]]
    _rejects(fields, "'pin' hashes", "8 bytes")
    fields = _fields()
    fields["pin"] = [encode_ascending([100]), bytes(8)]
    _rejects(fields, "'pin' positions", "does not exist")
    fields = _fields()
    fields["pin"] = [b"\x01\x00", bytes(16)]
    _rejects(fields, "'pin' positions")



def test_format_true_is_not_format_1():
    fields = cbor.decode(encode_snapshot(build()))
    fields["f"] = True  # equal to 1 on CPython, but another CBOR value
    err = raises(AccessListError, decode_snapshot, cbor.encode(fields))
    assert "format" in str(err)
