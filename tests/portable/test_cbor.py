"""The CBOR subset codec, on CPython and MicroPython: exact bytes, every rejection, limits."""

import sys

from protocols.portable import cbor, utf8
from protocols.portable.errors import CborError
from tests.portable.util import raises

# RFC 8949 appendix A examples that fall inside our subset: (value, canonical hex).
RFC_EXAMPLES = [
    (0, "00"),
    (1, "01"),
    (10, "0a"),
    (23, "17"),
    (24, "1818"),
    (25, "1819"),
    (100, "1864"),
    (1000, "1903e8"),
    (1000000, "1a000f4240"),
    (1000000000000, "1b000000e8d4a51000"),
    (18446744073709551615, "1bffffffffffffffff"),
    (-18446744073709551616, "3bffffffffffffffff"),
    (-1, "20"),
    (-10, "29"),
    (-100, "3863"),
    (-1000, "3903e7"),
    (False, "f4"),
    (True, "f5"),
    (None, "f6"),
    (b"", "40"),
    (b"\x01\x02\x03\x04", "4401020304"),
    ("", "60"),
    ("a", "6161"),
    ("IETF", "6449455446"),
    ('"\\', "62225c"),
    ("\u00fc", "62c3bc"),
    ("\u6c34", "63e6b0b4"),
    ("\U00010151", "64f0908591"),
    ([], "80"),
    ([1, 2, 3], "83010203"),
    ([1, [2, 3], [4, 5]], "8301820203820405"),
    (list(range(1, 26)),
     "98190102030405060708090a0b0c0d0e0f101112131415161718181819"),
    ({}, "a0"),
    ({1: 2, 3: 4}, "a201020304"),
    ({"a": 1, "b": [2, 3]}, "a26161016162820203"),
    (["a", {"b": "c"}], "826161a161626163"),
    ({"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"},
     "a56161614161626142616361436164614461656145"),
]

# Boundaries of every head width, for both signs.
BOUNDARIES = [
    (23, "17"), (24, "1818"), (255, "18ff"), (256, "190100"), (65535, "19ffff"),
    (65536, "1a00010000"), (4294967295, "1affffffff"), (4294967296, "1b0000000100000000"),
    (-24, "37"), (-25, "3818"), (-256, "38ff"), (-257, "390100"),
    (-4294967296, "3affffffff"), (-4294967297, "3b0000000100000000"),
]


def _decode_hex(text, **limits):
    return cbor.decode(bytes.fromhex(text), **limits)


def _error(text, **limits):
    return str(raises(CborError, lambda: _decode_hex(text, **limits)))


def test_rfc_examples_encode_exactly():
    for value, expected in RFC_EXAMPLES + BOUNDARIES:
        assert cbor.encode(value).hex() == expected, (value, expected)


def test_rfc_examples_decode_to_the_value():
    for value, text in RFC_EXAMPLES + BOUNDARIES:
        decoded = _decode_hex(text)
        assert decoded == value, (text, decoded)
        assert type(decoded) is type(value), text


def test_string_length_heads_use_the_shortest_form():
    for length, head in ((23, "57"), (24, "5818"), (255, "58ff"), (256, "590100"),
                         (65536, "5a00010000")):
        encoded = cbor.encode(b"\xaa" * length)
        assert encoded[:len(head) // 2].hex() == head, length
        assert len(encoded) == len(head) // 2 + length
        assert cbor.decode(encoded) == b"\xaa" * length
    text = "x" * 300
    assert cbor.encode(text)[:3].hex() == "79012c"
    assert cbor.decode(cbor.encode(text)) == text


def test_map_entries_are_sorted_length_first_whatever_the_dict_order():
    value = {"zz": 1, "a": 2, 1: "one", "1": "x", -5: None, 300: 0, "": 7}
    # 1 (01), -5 (24), "" (60), "1" (6131), "a" (6161), 300 (19012c), "zz" (627a7a)
    expected = "a7" + "01636f6e65" + "24f6" + "6007" + "61316178" + "616102" + "19012c00" \
        + "627a7a01"
    assert cbor.encode(value).hex() == expected
    reordered = {}
    for key in ("", 300, "1", "zz", -5, "a", 1):
        reordered[key] = value[key]
    assert cbor.encode(reordered).hex() == expected
    assert cbor.decode(bytes.fromhex(expected)) == value


def test_rejects_map_keys_out_of_canonical_order():
    assert _error("a2616201616102") == (
        "map key 'a' at byte 4 is out of canonical order"
        " (keys sort shorter encoding first, then bytewise)")
    assert "map key 1 at byte 5 is out of canonical order" in _error("a2620000000101")
    assert "map key 1 at byte 3 is out of canonical order" in _error("a2020001f6")
    assert _decode_hex("a2010002f6") == {1: 0, 2: None}


def test_encode_accepts_tuples_bytearray_and_memoryview():
    encoded = cbor.encode((1, bytearray(b"ab"), memoryview(b"cd")))
    assert encoded == bytes.fromhex("8301426162426364")


def test_decode_accepts_bytearray_and_memoryview_and_returns_bytes():
    data = bytes.fromhex("824261626163")
    for form in (bytearray(data), memoryview(data)):
        value = cbor.decode(form)
        assert value == [b"ab", "c"]
        assert type(value[0]) is bytes


def test_decode_rejects_non_bytes_input():
    assert "must be bytes" in str(raises(CborError, cbor.decode, "00"))
    assert "must be bytes" in str(raises(CborError, cbor.decode, None))


def test_rejects_tags_floats_and_simple_values():
    assert _error("c11a514b67b0") == "CBOR tags are not allowed at byte 0"
    assert "tags are not allowed at byte 1" in _error("81d82000")
    for text in ("f90000", "fa47c35000", "fb3ff199999999999a"):
        assert _error(text) == "floating-point values are not allowed at byte 0", text
    assert "undefined" in _error("f7")
    assert "simple value" in _error("f0")
    assert "simple value" in _error("f820")
    assert "at byte 2" in _error("8201f7")


def test_rejects_indefinite_lengths():
    for text in ("5f4101ff", "7f6161ff", "9f01ff", "bf0102ff"):
        assert _error(text) == "indefinite lengths are not allowed at byte 0", text
    assert "'break'" in _error("ff")
    assert _error("1c") == "reserved additional information 28 at byte 0"
    assert "reserved additional information 30" in _error("5e")


def test_rejects_non_canonical_lengths_and_integers():
    cases = ["1817", "190017", "1900ff", "1a0000ffff", "1b00000000ffffffff",
             "3817", "580161", "780161", "980101", "b90000"]
    for text in cases:
        assert "non-canonical" in _error(text), text
    assert _error("1801") == (
        "non-canonical encoding: 1 written in 1 bytes at byte 0 has a shorter form")
    assert "at byte 1" in _error("811900ff")


def test_rejects_truncation_with_the_offset():
    assert "empty input" in str(raises(CborError, cbor.decode, b""))
    assert "needs 2 more header bytes" in _error("19ff")
    assert "needs 8 more header bytes" in _error("1b00")
    assert _error("4401") == "truncated: the string at byte 0 declares 4 bytes but only 1 remain"
    assert "expected a CBOR item at byte 4" in _error("82820102")
    assert "expected a CBOR item at byte 5" in _error("a101828101")
    assert "the array at byte 0 declares 4294967295 items" in _error("9affffffff")
    assert "the map at byte 0 declares 2 entries but only 3 bytes remain" in _error("a2010203")


def test_huge_declared_lengths_fail_before_allocating():
    # A 9-byte header declaring 2**64-1 bytes/items must be refused outright.
    for head in ("5b", "7b", "9b", "bb"):
        assert "truncated" in _error(head + "ff" * 8), head


def test_rejects_trailing_bytes():
    assert _error("0000") == "trailing data after the CBOR item: 1 byte(s) starting at byte 1"
    assert "starting at byte 3" in _error("820102ff")


def test_rejects_duplicate_and_non_scalar_map_keys():
    assert _error("a2616101616102") == "duplicate map key 'a' at byte 4"
    assert _error("a201010102") == "duplicate map key 1 at byte 3"
    assert "only int and text" in _error("a14100f6")
    assert "map key of type list" in _error("a18000")
    assert "map key of type bool" in _error("a1f500")
    assert "map key of type NoneType" in _error("a1f600")
    assert _decode_hex("a2016161613102") == {1: "a", "1": 2}


def test_rejects_invalid_utf8():
    for raw in ("c0af", "e080af", "eda080", "edbfbf", "f08080af", "f4908080", "f5808080",
                "ff", "80", "c3", "e282", "c328", "e28228", "f0288cbc"):
        value = bytes.fromhex(raw)
        encoded = bytes((0x60 | len(value),)) + value
        err = str(raises(CborError, cbor.decode, encoded))
        assert err == "invalid UTF-8 in the text string at byte 0", raw
    assert _decode_hex("64f0908591") == "\U00010151"
    assert "at byte 1" in _error("8162c0af")


def test_the_lax_utf8_path_runs_on_micropython():
    # MicroPython's decoder accepts overlongs and surrogates: there the codec's own check
    # (utf8.well_formed) is what rejects them, and the tests here exercise it.
    assert utf8.STRICT_DECODER is (sys.implementation.name != "micropython")


def test_utf8_well_formed_matches_the_unicode_table():
    good = ["", "41", "c280", "dfbf", "e0a080", "e0bfbf", "e18080", "ecbfbf", "ed8080", "ed9fbf",
            "ee8080", "efbfbf", "f0908080", "f0bfbfbf", "f1808080", "f3bfbfbf", "f4808080",
            "f48fbfbf", "41c3a9e282acf09f9880"]
    bad = ["80", "bf", "c0", "c080", "c1bf", "c2", "c27f", "c2c0", "e09f80", "e0a0", "eda080",
           "edbfbf", "e1807f", "f08f8080", "f09080", "f4908080", "f5808080", "f8", "ff",
           "f1807f80"]
    for text in good:
        assert utf8.well_formed(bytes.fromhex(text)), text
    for text in bad:
        assert not utf8.well_formed(bytes.fromhex(text)), text


def test_depth_limit_on_decode_and_encode():
    nested = "81" * 16 + "00"
    assert _decode_hex(nested) == [[[[[[[[[[[[[[[[0]]]]]]]]]]]]]]]]
    assert "nested deeper than the limit at byte 16" in _error("81" * 17 + "00")
    assert "deeper than the limit at byte 2" in _error("a101a10100", max_depth=1)
    value = 0
    for _ in range(17):
        value = [value]
    assert "deeper than the limit" in str(raises(CborError, cbor.encode, value))
    assert cbor.encode(value, max_depth=17) == bytes.fromhex("81" * 17 + "00")


def test_size_limit():
    data = cbor.encode(b"x" * 100)
    assert cbor.decode(data, max_size=len(data)) == b"x" * 100
    err = str(raises(CborError, lambda: cbor.decode(data, max_size=len(data) - 1)))
    assert err == "input is 102 bytes, more than the limit of 101"
    too_big = b"\x5a\x00\x10\x00\x00" + b"\x00" * (1 << 20)
    assert "more than the limit of 1048576" in str(raises(CborError, cbor.decode, too_big))


def test_large_byte_string_round_trips():
    blob = bytes(range(256)) * 400  # 100 KB
    encoded = cbor.encode(blob)
    assert encoded[:5] == b"\x5a\x00\x01\x90\x00"
    assert cbor.decode(encoded) == blob


def test_encode_rejects_values_outside_the_subset():
    for value, words in ((1.5, "type float"), (2 ** 64, "above 2**64-1"),
                         (-(2 ** 64) - 1, "below -2**64"), ({True: 1}, "map key of type bool"),
                         ({b"k": 1}, "map key of type bytes"), ({(1,): 1}, "map key of type tuple"),
                         ([1, {"a": 2.0}], "value[1]['a'] has type float"), (set(), "type set")):
        err = str(raises(CborError, cbor.encode, value))
        assert words in err, (value, err)
