"""Wiegand formats against published frames, and every error path.

Runs on CPython and on MicroPython. Frames are (bits, value) with the first transmitted
bit as the most significant. Each vector names where it was published, or shows how it
was derived by hand from the format definition (docs/wiegand.md).
"""

from protocols.portable import cardkey, wiegand
from protocols.portable.errors import ProtocolError, WiegandError
from tests.portable.util import raises

H26 = cardkey.H10301_26
H34 = cardkey.H10306_34
C35 = cardkey.CORP1000_35
H37 = cardkey.H10304_37
C48 = cardkey.CORP1000_48

# (format, facility, card, bits, value, source)
VECTORS = [
    # accessgrid.com "Examples of every access control bit format", Standard 26bit:
    # FC 42, CN 69 -> 1 00101010 0000000001000101 0. Bits 2-13 hold three ones, so the
    # even parity bit is 1; bits 14-25 hold three ones, so the odd parity bit is 0.
    (H26, 42, 69, 26, 0b10010101000000000010001010, "accessgrid H10301 example"),
    # CIVINTEC CN56 reader manual, 6.4.2 Wiegand26: data D4 1B 81 is sent as
    # 1 11010100 00011011 10000001 0 (FC 0xD4 = 212, CN 0x1B81 = 7041).
    (H26, 212, 7041, 26, (1 << 25) | (0xD41B81 << 1), "CN56 manual Wiegand26"),
    # A real reader's bits for FC 21 / CN 15890, posted in monkeyboard's
    # Wiegand-Protocol-Library-for-Arduino issue #33.
    (H26, 21, 15890, 26, 0b10001010100111110000100100, "Arduino library issue #33"),
    # FC 1, CN 1 by hand: bits 2-13 = 00000001 0000 (one 1) -> even parity 1;
    # bits 14-25 = 000000000001 (one 1) -> odd parity 0. 1 00000001 0...01 0 = 0x2020002.
    (H26, 1, 1, 26, 0x2020002, "hand: FC 1 CN 1"),
    # All-zero data: even parity over twelve 0s is 0, odd parity over twelve 0s is 1.
    (H26, 0, 0, 26, 0x0000001, "hand: zero"),
    # All-one data: twelve 1s on each side -> even parity 0, odd parity 1.
    (H26, 255, 65535, 26, 0x1FFFFFF, "hand: all ones"),
    # CIVINTEC CN56 manual, 6.4.5 Wiegand34: data 89 D4 1B 81 is sent as
    # 1 10001001 11010100 00011011 10000001 1.
    (H34, 0x89D4, 0x1B81, 34, (1 << 33) | (0x89D41B81 << 1) | 1, "CN56 manual Wiegand34"),
    # Hikvision camera manual: card 1234567890 = 0x499602D2 is sent as
    # 1 0100100110010110 0000001011010010 0 (seven 1s in the first half, five in the second).
    (H34, 0x4996, 0x02D2, 34, (1 << 33) | (0x499602D2 << 1), "Hikvision manual 34-bit"),
    # Sygonix keypad manual: code 1234 = 0x4D2 as 34-bit Wiegand is
    # 0 0000000000000000 0000010011010010 0.
    (H34, 0, 1234, 34, 0b0000000000000000000000100110100100, "Sygonix manual 34-bit"),
    # The Tick pull request #20: a card made with `hf iclass encode -w C1k35s --fc 1337
    # --cn 2137` makes the reader send 4A72010B3. Company 1337 = 0x539 sits in bits 3-14
    # (0x539 << 21 = 0xA7200000), card 2137 = 0x859 in bits 15-34 (<< 1 = 0x10B2); the
    # reader's parity bits are bit 1 = 1, bit 2 = 0, bit 35 = 1.
    (C35, 1337, 2137, 35, 0x4A72010B3, "The Tick PR #20 Corporate 1000-35"),
    # Proxmark3 issue #1791: `wiegand encode -w C1k48s` printed 803039006072. The issue's
    # text says FC 1245 / CN 1235, but the bits hold 0x3039 = 12345 in both fields (bits
    # 3-24 and 25-47) and all three parity bits check, so the command was FC/CN 12345.
    (C48, 12345, 12345, 48, 0x803039006072, "Proxmark3 issue #1791 Corporate 1000-48"),
    # H10304 FC 42, CN 69 by hand: 1 0000000000101010 0000000000001000101 0.
    # Bits 2-19 = the facility and two leading card 0s: three 1s -> even parity 1.
    # Bits 19-36 = the card's last 18 bits: three 1s -> odd parity 0.
    (H37, 42, 69, 37, (1 << 36) | (42 << 20) | (69 << 1), "hand: H10304 FC 42 CN 69"),
    # H10304 FC 1, CN 1: one 1 in bits 2-19 -> even 1; one 1 in bits 19-36 -> odd 0.
    (H37, 1, 1, 37, 0x1000100002, "hand: H10304 FC 1 CN 1"),
    # H10304 all ones: 18 ones on each side -> even 0, odd 1: every bit but bit 1 is set.
    (H37, 65535, 524287, 37, 0x0FFFFFFFFF, "hand: H10304 all ones"),
]

# (format, every parity bit position)
PARITY_BITS = [(H26, (1, 26)), (H34, (1, 34)), (C35, (1, 2, 35)), (H37, (1, 37)), (C48, (1, 2, 48))]


def test_published_vectors_encode():
    for fmt, facility, card, bits, value, source in VECTORS:
        got = wiegand.encode(fmt, facility, card)
        assert got == (bits, value), source + ": got " + hex(got[1])


def test_published_vectors_decode():
    for fmt, facility, card, bits, value, source in VECTORS:
        assert wiegand.decode(bits, value) == (fmt, facility, card), source
        assert wiegand.decode(bits, value, fmt) == (fmt, facility, card), source


def test_card_key_is_payload_without_parity():
    # H10301 FC 42 CN 69: payload (42 << 16) | 69 under format id 1.
    assert wiegand.card_key_of(26, 0b10010101000000000010001010) == (1 << 56) | (42 << 16) | 69
    for fmt, facility, card, bits, value, source in VECTORS:
        key = wiegand.card_key_of(bits, value)
        # The payload is the frame between its parity bits: bits 2..n-1 for H10301/H10306/
        # H10304, bits 3..n-1 for Corporate 1000 (bits 1 and 2 are parity there).
        lead = 2 if fmt in (C35, C48) else 1
        payload = (value >> 1) & ((1 << (bits - 1 - lead)) - 1)
        assert key == cardkey.card_key(fmt, payload), source
        assert wiegand.card_key_for(fmt, facility, card) == key, source
        assert wiegand.fields_of_key(key) == (fmt, facility, card), source


def test_h10302_cards_keep_their_number_as_h10304_key():
    # H10302 (37-bit, no facility, 35-bit card number) shares H10304's parity bits; its
    # card number is bits 2-36, which is exactly the H10304 payload, so its key value is
    # the printed card number.
    number = 12345678910
    bits, value = wiegand.encode(H37, number >> 19, number & 0x7FFFF)
    assert cardkey.split_key(wiegand.card_key_of(bits, value)) == (H37, number)


def test_round_trip_extremes_every_format():
    for fmt, sizes in ((H26, (8, 16)), (H34, (16, 16)), (C35, (12, 20)), (H37, (16, 19)),
                       (C48, (22, 23))):
        top_facility = (1 << sizes[0]) - 1
        top_card = (1 << sizes[1]) - 1
        for facility, card in ((0, 0), (top_facility, top_card), (1, top_card),
                               (top_facility, 1), (top_facility >> 1, top_card >> 2)):
            bits, value = wiegand.encode(fmt, facility, card)
            assert bits == wiegand.frame_bits(fmt)
            assert wiegand.decode(bits, value) == (fmt, facility, card)


def test_h10301_parity_messages_name_the_bit_and_its_span():
    bits, value = wiegand.encode(H26, 42, 69)
    err = raises(WiegandError, wiegand.decode, bits, value ^ (1 << 25))
    assert str(err) == "H10301: even parity (bit 1) fails over bits 2-13"
    err = raises(WiegandError, wiegand.decode, bits, value ^ 1)
    assert str(err) == "H10301: odd parity (bit 26) fails over bits 14-25"


def test_corporate_1000_parity_messages_list_the_covered_bits():
    bits, value = wiegand.encode(C35, 1337, 2137)
    err = raises(WiegandError, wiegand.decode, bits, value ^ (1 << 34))  # bit 1
    assert str(err) == "CORP1000-35: odd parity (bit 1) fails over bits 2-35"
    err = raises(WiegandError, wiegand.decode, bits, value ^ 1)  # bit 35 (bit 1 covers it)
    assert str(err).startswith(
        "CORP1000-35: odd parity (bit 35) fails over bits 2-3,5-6,8-9,11-12,14-15,17-18,"
        "20-21,23-24,26-27,29-30,32-33; odd parity (bit 1)"
    )
    bits, value = wiegand.encode(C48, 12345, 12345)
    err = raises(WiegandError, wiegand.decode, bits, value ^ (1 << 46))  # bit 2
    assert str(err).startswith(
        "CORP1000-48: even parity (bit 2) fails over bits 4-5,7-8,10-11,13-14,16-17,19-20,"
        "22-23,25-26,28-29,31-32,34-35,37-38,40-41,43-44,46-47;"
    )


def test_each_parity_bit_flipped_is_named():
    for fmt, positions in PARITY_BITS:
        bits, value = wiegand.encode(fmt, 5, 9)
        for position in positions:
            err = raises(WiegandError, wiegand.decode, bits, value ^ (1 << (bits - position)))
            assert "parity (bit " + str(position) + ") fails" in str(err), str(err)


def test_every_single_bit_error_is_detected():
    for vector in VECTORS:
        bits, value, source = vector[3], vector[4], vector[5]
        for position in range(1, bits + 1):
            flipped = value ^ (1 << (bits - position))
            err = raises(WiegandError, wiegand.decode, bits, flipped)
            assert " parity (bit " in str(err), source + " bit " + str(position)


def test_wrong_length_for_expected_format():
    err = raises(WiegandError, wiegand.decode, 25, 5, H26)
    assert str(err) == "wrong length: got 25 bits, H10301 needs 26"
    err = raises(WiegandError, wiegand.decode, 26, 5, C35)
    assert str(err) == "wrong length: got 26 bits, CORP1000-35 needs 35"
    err = raises(WiegandError, wiegand.decode, 26, 5, cardkey.raw_format(32))
    assert str(err) == "wrong length: got 26 bits, RAW32 needs 32"


def test_expected_raw_format_skips_parity():
    # A site whose 26-bit cards are not H10301 reads them as raw 26-bit values.
    bits, value = wiegand.encode(H26, 42, 69)
    assert wiegand.decode(bits, value ^ 1, cardkey.raw_format(26)) == (
        cardkey.raw_format(26), None, value ^ 1
    )


def test_unknown_length_policy():
    assert wiegand.decode(32, 0xDEADBEEF) == (cardkey.raw_format(32), None, 0xDEADBEEF)
    assert wiegand.card_key_of(56, 0x04A1B2C3D4E5F6) == cardkey.card_key(
        cardkey.raw_format(56), 0x04A1B2C3D4E5F6
    )
    err = raises(WiegandError, wiegand.decode, 32, 0xDEADBEEF, None, wiegand.UNKNOWN_ERROR)
    assert str(err).startswith("no known Wiegand format has 32 bits (known: 26, 34, 35, 37, 48)")
    # A known length is never re-read as raw when its parity fails, whatever the policy.
    raises(WiegandError, wiegand.decode, 26, 0, None, wiegand.UNKNOWN_RAW)
    err = raises(WiegandError, wiegand.decode, 32, 1, None, "guess")
    assert "policy" in str(err)


def test_raw_longer_than_a_card_key_is_an_error():
    err = raises(WiegandError, wiegand.decode, 64, 1)
    assert "at most 56 bits" in str(err) and "64-bit" in str(err)
    assert wiegand.decode(1, 1) == (cardkey.raw_format(1), None, 1)


def test_bad_frames():
    err = raises(WiegandError, wiegand.decode, 26, 1 << 26)
    assert str(err) == "frame value does not fit in 26 bits"
    raises(WiegandError, wiegand.decode, 26, -1)
    raises(WiegandError, wiegand.decode, 0, 0)
    raises(WiegandError, wiegand.decode, wiegand.MAX_FRAME_BITS + 1, 0)
    raises(WiegandError, wiegand.decode, "26", 0)
    raises(WiegandError, wiegand.decode, 26, None)


def test_out_of_range_fields():
    err = raises(WiegandError, wiegand.encode, H26, 256, 1)
    assert str(err) == "facility 256 is out of range for H10301: 0..255"
    err = raises(WiegandError, wiegand.encode, H26, 1, 65536)
    assert str(err) == "card number 65536 is out of range for H10301: 0..65535"
    err = raises(WiegandError, wiegand.encode, C35, 4096, 1)
    assert str(err) == "company id 4096 is out of range for CORP1000-35: 0..4095"
    err = raises(WiegandError, wiegand.encode, C48, 1, 1 << 23)
    assert str(err) == "card number 8388608 is out of range for CORP1000-48: 0..8388607"
    for fmt, facility_bits, card_bits in ((H34, 16, 16), (H37, 16, 19), (C35, 12, 20),
                                          (C48, 22, 23)):
        raises(WiegandError, wiegand.encode, fmt, 1 << facility_bits, 0)
        raises(WiegandError, wiegand.encode, fmt, 0, 1 << card_bits)
        raises(WiegandError, wiegand.encode, fmt, -1, 0)
        raises(WiegandError, wiegand.encode, fmt, 0, -1)
        raises(WiegandError, wiegand.card_key_for, fmt, 0, 1 << card_bits)
    raises(WiegandError, wiegand.encode, H26, None, 1)


def test_formats_without_wiegand_encoding():
    err = raises(WiegandError, wiegand.encode, cardkey.KEYPAD, 0, 1234)
    assert str(err) == "format KEYPAD (id 6) has no Wiegand encoding"
    raises(WiegandError, wiegand.decode, 26, 0, cardkey.KEYPAD)
    raises(WiegandError, wiegand.frame_bits, 0)


def test_raw_formats():
    raw32 = cardkey.raw_format(32)
    assert wiegand.encode(raw32, None, 0xDEADBEEF) == (32, 0xDEADBEEF)
    assert wiegand.frame_bits(raw32) == 32
    assert wiegand.card_key_for(raw32, None, 7) == cardkey.card_key(raw32, 7)
    assert wiegand.fields_of_key(cardkey.card_key(raw32, 7)) == (raw32, None, 7)
    err = raises(WiegandError, wiegand.encode, raw32, None, 1 << 32)
    assert str(err) == "value 4294967296 is out of range for RAW32: 0..4294967295"
    raises(WiegandError, wiegand.encode, raw32, 3, 1)


def test_fields_of_key_rejects_oversized_payload():
    key = cardkey.card_key(H26, 1 << 24)
    err = raises(WiegandError, wiegand.fields_of_key, key)
    assert "does not fit H10301" in str(err)


def test_frame_from_bits_and_back():
    seq = [1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0]
    assert wiegand.frame_from_bits(seq) == (26, 0b10010101000000000010001010)
    assert wiegand.bits_from_list(seq) == (26, 0b10010101000000000010001010)
    assert wiegand.bits_of_frame(26, 0b10010101000000000010001010) == seq
    assert wiegand.frame_from_bits((0, 0, 1)) == (3, 1)  # leading zeros keep the length
    assert wiegand.bits_of_frame(3, 1) == [0, 0, 1]
    assert wiegand.decode(*wiegand.frame_from_bits(seq)) == (H26, 42, 69)


def test_frame_from_bits_errors():
    err = raises(WiegandError, wiegand.frame_from_bits, [1, 0, 2, 1])
    assert str(err) == "bit 3 is 2, not 0 or 1"
    raises(WiegandError, wiegand.frame_from_bits, [])
    raises(WiegandError, wiegand.frame_from_bits, [1] * (wiegand.MAX_FRAME_BITS + 1))
    raises(WiegandError, wiegand.frame_from_bits, [1, "0"])
    raises(WiegandError, wiegand.bits_of_frame, 3, 8)


def test_errors_belong_to_the_protocol_family():
    err = raises(ProtocolError, wiegand.decode, 25, 0, H26)
    assert isinstance(err, WiegandError) and isinstance(err, ValueError)
