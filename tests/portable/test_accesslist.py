"""The compiled access list on CPython and MicroPython: build, encode, decode, deltas, diff.

Snapshot rejections live in test_accesslist_malformed.py; byte vectors in
test_accesslist_vectors.py.
"""

from protocols.portable import ordered
from protocols.portable.accesslist import (
    CARD_WITHDRAWN,
    READER_PIN,
    TIME_MAX,
    AccessListBuilder,
    AccessListError,
    Delta,
    DeltaBaseError,
    apply_delta,
    content_hash,
    decode_delta,
    decode_snapshot,
    diff,
    encode_delta,
    encode_snapshot,
    normalize_windows,
    pin_hash,
)
from protocols.portable.varint import decode_ascending, encode_ascending
from tests.portable.accesslist_fixtures import (
    ALWAYS,
    CONTENT,
    DAY,
    EXIT,
    GARAGE,
    HORIZON,
    MAIN,
    NIGHT,
    OFFICE,
    SERVER,
    T0,
    build,
    key,
    with_changes,
)
from tests.portable.util import raises


def _state(lst):
    """Everything observable about a list, for "nothing changed" checks."""
    return (lst.version, encode_snapshot(lst), dict(lst.temp), len(lst.profiles),
            len(lst.schedules), dict(lst.readers), dict(lst.pins))


def _card(content, k):
    for card in content["cards"]:
        if card[0] == k:
            return card
    return None


# ------------------------------------------------------------------ build and encode


def test_round_trip_keeps_every_card_reader_schedule_and_pin():
    lst = build()
    data = encode_snapshot(lst)
    back = decode_snapshot(data)
    assert encode_snapshot(back) == data
    assert (back.version, back.site, back.controller) == (7, "hq", "ctl-1")
    assert (back.horizon_start, back.horizon_end) == HORIZON
    assert back.salt == CONTENT["salt"]
    assert back.readers == {MAIN: 0, EXIT: 0, SERVER: READER_PIN, GARAGE: 0}
    cards = back.cards()
    assert [c[0] for c in cards] == sorted(c[0] for c in CONTENT["cards"])
    for k, p, vf, vt, flags in cards:
        source = _card(CONTENT, k)
        assert (vf, vt, flags) == (source[2], source[3], source[4])
        named = CONTENT["profiles"][source[1]]
        assert sorted(back.profiles[p]) == sorted(named)
        for rid, s in back.profiles[p].items():
            windows = CONTENT["schedules"][named[rid]]
            assert list(back.schedules[s]) == list(normalize_windows(windows))
    assert sorted(back.pins) == [key(200)]
    assert back.pins[key(200)] == pin_hash(CONTENT["salt"], key(200), "4711")


def test_same_content_in_another_order_gives_identical_bytes_and_hash():
    forward = build()
    backward = build(reverse=True)
    assert encode_snapshot(forward) == encode_snapshot(backward)
    assert content_hash(forward) == content_hash(backward)
    # unused and duplicate schedules/profiles are not content either
    extra = with_changes(CONTENT, schedules=dict(CONTENT["schedules"], spare=[(5, 6)],
                                                 office2=OFFICE),
                         profiles=dict(CONTENT["profiles"], idle={MAIN: "spare"}))
    assert encode_snapshot(build(extra)) == encode_snapshot(forward)


def test_different_content_gives_a_different_hash():
    cards = list(CONTENT["cards"])
    cards[0] = (key(100), "staff", 0, TIME_MAX - 1, 0, None)
    assert content_hash(build(with_changes(CONTENT, cards=cards))) != content_hash(build())
    assert content_hash(build(with_changes(CONTENT, version=8))) != content_hash(build())


def test_lookup_finds_listed_cards_only():
    lst = build()
    assert lst.lookup(key(102)) == (lst.card_profile[2], T0 + 10 * DAY, TIME_MAX, 0)
    assert lst.lookup(key(104))[3] == CARD_WITHDRAWN
    assert lst.lookup(key(99)) is None
    assert lst.lookup(key(999)) is None
    assert lst.lookup(0) is None
    assert lst.card_count() == len(CONTENT["cards"])


def test_windows_are_sorted_merged_and_emptied():
    assert list(normalize_windows([(50, 60), (10, 20), (20, 30), (15, 18), (40, 40)])) == [
        10, 30, 50, 60]
    assert list(normalize_windows([])) == []
    assert list(normalize_windows([(0, TIME_MAX), (5, 9)])) == [0, TIME_MAX]
    assert "ends" in str(raises(AccessListError, normalize_windows, [(9, 5)]))
    assert "0..4294967295" in str(raises(AccessListError, normalize_windows, [(0, 1 << 32)]))
    assert "pair" in str(raises(AccessListError, normalize_windows, [(1, 2, 3)]))


def test_builder_shares_equal_schedules_and_profiles():
    b = AccessListBuilder(1)
    b.reader(1)
    s1 = b.schedule([(10, 20), (30, 40)])
    assert b.schedule([(30, 40), (10, 15), (15, 20)]) == s1
    assert b.schedule([(10, 20)]) != s1
    p1 = b.profile({1: s1})
    assert b.profile({1: s1}) == p1
    assert len(b.profiles) == 1


def test_builder_rejects_bad_input_with_the_field_named():
    b = AccessListBuilder(1, horizon_start=0, horizon_end=100)
    b.reader(1)
    s = b.schedule([(0, 10)])
    p = b.profile({1: s})
    assert "profile" in str(raises(AccessListError, b.card, key(1), 5))
    assert "empty" in str(raises(AccessListError, b.card, key(1), p, 10, 10))
    assert "card key" in str(raises(AccessListError, b.card, -1, p))
    err = raises(AccessListError, lambda: b.card(key(1), p, flags=8))
    assert "flag" in str(err)
    err = raises(AccessListError, lambda: b.card(key(1), p, pin="12a4"))
    assert "digits" in str(err)
    assert "schedule" in str(raises(AccessListError, b.profile, {1: 7}))
    assert "reader" in str(raises(AccessListError, b.reader, 70000))
    assert "flag" in str(raises(AccessListError, b.reader, 2, 4))
    assert "horizon" in str(raises(AccessListError, lambda: AccessListBuilder(
        1, horizon_start=5, horizon_end=5)))
    b.card(key(1), p)
    b.card(key(1), p)
    assert "twice" in str(raises(AccessListError, b.build))
    b2 = AccessListBuilder(1)
    b2.profile({9: b2.schedule([(1, 2)])})
    assert "reader 9" in str(raises(AccessListError, b2.build))


def test_an_empty_list_round_trips():
    lst = AccessListBuilder(3, site="s", controller="c").build()
    data = encode_snapshot(lst)
    back = decode_snapshot(data)
    assert back.cards() == [] and back.card_count() == 0
    assert encode_snapshot(back) == data


def test_many_profiles_and_terms_widen_the_arrays():
    b = AccessListBuilder(1)
    b.reader(1)
    s = b.schedule([(0, 10)])
    profiles = [b.profile({1: s}) for _ in range(1)]
    for n in range(300):  # 300 distinct terms: card_terms needs 'H'
        b.card(key(n), profiles[0], n, n + 1000)
    lst = b.build()
    data = encode_snapshot(lst)
    back = decode_snapshot(data)
    assert back.lookup(key(299)) == (0, 299, 1299, 0)
    assert encode_snapshot(back) == data
    # a delta adding more terms after decoding still compacts correctly
    d = Delta(1, 2)
    d.upsert_card(key(5000), 0, 7, 8)
    apply_delta(back, d)
    back.compact()
    assert back.lookup(key(5000)) == (0, 7, 8, 0)
    assert back.lookup(key(299)) == (0, 299, 1299, 0)


# ------------------------------------------------------------------ varints and ordering


def test_varints_round_trip_and_reject_non_canonical_bytes():
    values = [0, 1, 127, 128, 16383, 16384, (1 << 56) | 5, (1 << 64) - 1]
    data = encode_ascending(values)
    assert list(decode_ascending(data, "Q", "x")) == values
    assert data[:4] == bytes([0, 1, 126, 1])  # 0, +1, +126, +1
    assert "non-shortest" in str(raises(AccessListError, decode_ascending, b"\x80\x00", "Q", "x"))
    assert "truncated" in str(raises(AccessListError, decode_ascending, b"\x01\x80", "Q", "x"))
    assert "repeats" in str(raises(AccessListError, decode_ascending, b"\x05\x00", "Q", "x"))
    assert "above" in str(raises(AccessListError, decode_ascending, b"\x80\x80\x80\x80\x10",
                                 "I", "x"))
    assert "ascending" in str(raises(AccessListError, encode_ascending, [3, 3]))


def test_sort_order_is_stable_and_merges_presorted_runs():
    values = [5, 6, 7, 1, 2, 9, 3, 3, 0]
    expected = [8, 3, 4, 6, 7, 0, 1, 2, 5]
    assert ordered.sort_order(values) == expected
    starts = [0, 3, 5, 6, 8]  # the natural runs of values
    assert ordered._merge_runs(values, starts) == expected  # MicroPython's path, on both
    assert ordered.sort_order(list(range(1000))) == list(range(1000))
    assert ordered.sorted_ints([3, 1, 2]) == [1, 2, 3]
    arr = [1, 3, 3, 7]
    assert [ordered.bisect_left(arr, x) for x in (0, 3, 4, 8)] == [0, 1, 3, 4]
    assert [ordered.bisect_right(arr, x) for x in (0, 3, 4, 8)] == [0, 3, 3, 4]
    assert ordered._bisect_left(arr, 3) == 1 and ordered._bisect_right(arr, 3) == 3


# ------------------------------------------------------------------ deltas, op by op


def _decoded():
    """The fixture list as the edge holds it: decoded from its snapshot."""
    return decode_snapshot(encode_snapshot(build()))


def _apply(lst, *ops):
    d = Delta(lst.version, lst.version + 1, [list(op) for op in ops])
    apply_delta(lst, decode_delta(encode_delta(d)))
    return lst


def test_card_upsert_lands_in_the_temporary_area_at_once():
    lst = _decoded()
    keys_before = lst.keys
    _apply(lst, [1, key(150), 0, T0, T0 + DAY, 0], [1, key(100), 0, 0, TIME_MAX, 1])
    assert lst.keys is keys_before  # O(1): the arrays were not rebuilt
    assert lst.lookup(key(150)) == (0, T0, T0 + DAY, 0)
    assert lst.lookup(key(100)) == (0, 0, TIME_MAX, 1)
    assert lst.card_count() == len(CONTENT["cards"]) + 1
    lst.compact()
    assert lst.temp == {}
    assert lst.lookup(key(150)) == (0, T0, T0 + DAY, 0)
    assert lst.lookup(key(100)) == (0, 0, TIME_MAX, 1)
    assert [c[0] for c in lst.cards()] == sorted([c[0] for c in CONTENT["cards"]] + [key(150)])


def test_card_remove_takes_the_pin_with_it():
    lst = _decoded()
    _apply(lst, [2, key(200)], [2, key(100)])
    assert lst.lookup(key(200)) is None and lst.lookup(key(100)) is None
    assert key(200) not in lst.pins
    lst.compact()
    assert lst.lookup(key(200)) is None and lst.card_count() == len(CONTENT["cards"]) - 2
    err = raises(AccessListError, _apply, lst, [2, key(200)])
    assert "not in the list" in str(err) and "op 0" in str(err)


def test_profile_and_schedule_set_replace_and_append():
    lst = _decoded()
    n_prof = len(lst.profiles)
    n_sched = len(lst.schedules)
    p = lst.lookup(key(100))[0]
    d = Delta(lst.version, lst.version + 1)
    d.set_schedule(n_sched, [(T0, T0 + 60)])
    d.set_profile(p, {MAIN: n_sched})
    d.set_profile(n_prof, {GARAGE: n_sched})
    d.set_schedule(0, [(1, 2)])
    apply_delta(lst, decode_delta(encode_delta(d)))
    assert len(lst.profiles) == n_prof + 1 and len(lst.schedules) == n_sched + 1
    assert lst.profiles[p] == {MAIN: n_sched}
    assert lst.profiles[n_prof] == {GARAGE: n_sched}
    assert list(lst.schedules[n_sched]) == [T0, T0 + 60]
    assert list(lst.schedules[0]) == [1, 2]
    err = raises(AccessListError, _apply, lst, [3, n_prof + 5, []])
    assert "profile" in str(err)
    err = raises(AccessListError, _apply, lst, [4, n_sched + 5, b""])
    assert "schedule" in str(err)


def test_reader_set_and_remove():
    lst = _decoded()
    _apply(lst, [5, 9, READER_PIN], [5, MAIN, READER_PIN], [6, EXIT])
    assert lst.readers == {MAIN: READER_PIN, SERVER: READER_PIN, GARAGE: 0, 9: READER_PIN}
    assert all(EXIT not in access for access in lst.profiles)  # removed from profiles too
    err = raises(AccessListError, _apply, lst, [6, EXIT])
    assert "reader 2 is not listed" in str(err)
    err = raises(AccessListError, _apply, lst, [3, 0, [EXIT, 0]])
    assert "reader 2" in str(err)


def test_pin_set_and_clear():
    lst = _decoded()
    h = pin_hash(lst.salt, key(100), "1234")
    _apply(lst, [7, key(100), h], [7, key(200), None])
    assert lst.pins == {key(100): h}
    err = raises(AccessListError, _apply, lst, [7, key(200), None])
    assert "no PIN" in str(err)
    err = raises(AccessListError, _apply, lst, [7, key(999), h])
    assert "not in the list" in str(err)
    _apply(lst, [1, key(999), 0, 0, TIME_MAX, 0], [7, key(999), h])  # same delta: fine
    assert lst.pins[key(999)] == h


def test_horizon_move():
    lst = _decoded()
    _apply(lst, [8, T0 + DAY, T0 + 36 * DAY])
    assert (lst.horizon_start, lst.horizon_end) == (T0 + DAY, T0 + 36 * DAY)
    assert "empty" in str(raises(AccessListError, _apply, lst, [8, 5, 5]))


def test_delta_on_the_wrong_base_raises_and_leaves_the_list_untouched():
    lst = _decoded()
    before = _state(lst)
    d = Delta(6, 8)
    d.upsert_card(key(150), 0)
    err = raises(DeltaBaseError, apply_delta, lst, d)
    assert (err.have, err.base) == (7, 6)
    assert "snapshot" in str(err)
    assert _state(lst) == before


def test_an_invalid_op_in_the_middle_changes_nothing():
    bad_ops = [
        [1, key(150), 99, 0, TIME_MAX, 0],  # profile out of range
        [2, key(555)],  # not listed
        [3, 0, [42, 0]],  # reader 42 does not exist
        [4, 9, b""],  # schedule index beyond append
        [6, 42],  # reader not listed
        [7, key(555), b"12345678"],  # PIN for an unknown card
    ]
    for bad in bad_ops:
        lst = _decoded()
        before = _state(lst)
        ops = [[1, key(150), 0, 0, TIME_MAX, 0], [5, 9, 0], [8, T0 + DAY, T0 + 9 * DAY],
               [2, key(100)], bad, [1, key(151), 0, 0, TIME_MAX, 0]]
        err = raises(AccessListError, apply_delta, lst, Delta(7, 8, ops))
        assert "op 4" in str(err), str(err)
        assert _state(lst) == before


def test_delta_codec_round_trips_and_rejects_bad_ops():
    d = Delta(3, 4, result_hash=bytes(32))
    d.upsert_card(key(1), 2, 10, 20, CARD_WITHDRAWN)
    d.remove_card(key(2))
    d.set_profile(1, {2: 0, 1: 3})
    d.set_schedule(0, [(5, 9), (1, 3)])
    d.set_reader(7, READER_PIN)
    d.remove_reader(8)
    d.set_pin(key(1), b"abcdefgh")
    d.set_pin(key(3), None)
    d.move_horizon(100, 200)
    data = encode_delta(d)
    back = decode_delta(data)
    assert encode_delta(back) == data
    assert (back.base, back.version, back.hash) == (3, 4, bytes(32))
    assert back.ops[2] == [3, 1, [1, 3, 2, 0]]
    assert back.ops[3] == [4, 0, encode_ascending([1, 3, 5, 9])]
    cases = [
        ([9, 1], "unknown kind"),
        ([2], "must have 2 items"),
        ([1, key(1), 0, 5, 5, 0], "empty"),
        ([1, key(1), 0, 0, 1, 4], "flag"),
        ([2, "x"], "key must be an integer"),
        ([3, 0, [1]], "pairs"),
        ([4, 0, b"\x05"], "odd number"),
        ([5, 70000, 0], "reader id"),
        ([7, key(1), b"abc"], "8 bytes"),
        ([8, 9, 3], "empty"),
        ("op", "must be an array"),
    ]
    for op, message in cases:
        err = raises(AccessListError, encode_delta, Delta(3, 4, [op]))
        assert message in str(err), (op, str(err))
    assert "above its base" in str(raises(AccessListError, encode_delta, Delta(4, 4)))
    assert "32 bytes" in str(raises(AccessListError, encode_delta, Delta(3, 4, [], b"x")))
    assert "CBOR" in str(raises(AccessListError, decode_delta, data[:-1]))
    assert "field" in str(raises(AccessListError, decode_delta, encode_snapshot(build())))


def test_one_card_change_is_a_delta_of_a_few_dozen_bytes():
    d = Delta(1000, 1001)
    d.upsert_card(key(4242), 17, T0, T0 + 30 * DAY)
    assert len(encode_delta(d)) <= 56  # the op is 22 bytes, the envelope the rest
    d.hash = bytes(32)
    assert len(encode_delta(d)) <= 90  # the result's hash adds 34


# ------------------------------------------------------------------ diff and compaction


def _changed_content():
    cards = [c for c in CONTENT["cards"] if c[0] not in (key(101), key(300))]
    cards.append((key(150), "guard", 0, TIME_MAX, 0, "2580"))  # new card with a PIN
    cards.append((key(151), "night-desk", 0, TIME_MAX, 0, None))  # new card, new profile
    cards = [(c[0], "admin" if c[0] == key(100) else c[1], c[2],
              T0 + 20 * DAY if c[0] == key(102) else c[3], c[4],
              None if c[0] == key(200) else c[5]) for c in cards]
    rolled = [(s + DAY, e + DAY) for s, e in OFFICE]
    return with_changes(
        CONTENT, version=9,
        readers=[(MAIN, READER_PIN), (EXIT, 0), (SERVER, READER_PIN), (6, 0)],
        schedules={"office": rolled, "always": ALWAYS, "night": NIGHT},
        profiles={
            "staff": {MAIN: "office", EXIT: "office"},  # the group's access changed
            "admin": CONTENT["profiles"]["admin"],
            "guard": {MAIN: "night", EXIT: "night", 6: "always"},
            "night-desk": {6: "night"},
        },
        cards=cards,
        horizon=(T0 + DAY, T0 + 36 * DAY),
    )


def test_diff_then_apply_equals_rebuilding():
    old = _decoded()
    new = build(_changed_content())
    delta = diff(old, new)
    assert delta.hash == content_hash(new)
    apply_delta(old, decode_delta(encode_delta(delta)))
    assert old.version == 9
    assert content_hash(old) == content_hash(new)
    assert old.temp == {}  # hashing compacted it
    assert encode_snapshot(old) == encode_snapshot(new)


def test_diff_matches_slots_so_a_group_change_is_one_profile_op():
    old = _decoded()
    new_content = _changed_content()
    delta = diff(old, build(new_content))
    kinds = [op[0] for op in delta.ops]
    # staff's 5 cards keep their slot: the profile op carries the change, no card ops for them
    staff_keys = [key(n) for n in (100, 101, 102, 103, 104)]
    touched = [op[1] for op in delta.ops if op[0] in (1, 2)]
    assert sorted(touched) == sorted([key(100), key(101), key(102), key(300), key(150),
                                      key(151)])
    assert not set(touched) & {k for k in staff_keys if k not in (key(100), key(101),
                                                                 key(102))}
    assert kinds.count(4) == 1  # the rolled office hours: one schedule op
    apply_delta(old, delta)
    assert len(old.profiles) == 4 and len(old.schedules) == 3  # one new profile, no growth


def test_daily_roll_forward_is_one_op_per_schedule_plus_the_horizon():
    old = _decoded()
    rolled = {name: [(s + DAY, e + DAY) for s, e in w] if name != "always" else w
              for name, w in CONTENT["schedules"].items()}
    new = build(with_changes(CONTENT, version=8, schedules=rolled,
                             horizon=(T0 + DAY, T0 + 36 * DAY)))
    delta = diff(old, new)
    assert sorted(op[0] for op in delta.ops) == [4, 4, 8]
    apply_delta(old, delta)
    assert content_hash(old) == content_hash(new)


def test_diff_of_equal_content_is_empty_and_rejects_other_sites():
    old = _decoded()
    same = build(with_changes(CONTENT, version=8))
    delta = diff(old, same)
    assert delta.ops == []
    apply_delta(old, delta)
    assert content_hash(old) == content_hash(same)
    other = build(with_changes(CONTENT, version=8, salt=b"other"))
    assert "snapshot" in str(raises(AccessListError, diff, _decoded(), other))
    assert "version" in str(raises(AccessListError, diff, _decoded(), build()))


def test_repeated_deltas_do_not_grow_the_tables():
    lst = _decoded()
    content = CONTENT
    for step in range(6):
        shift = (step + 1) * 3600
        content = with_changes(
            content, version=content["version"] + 1,
            schedules={"office": [(s + shift, e + shift) for s, e in OFFICE],
                       "always": ALWAYS, "night": NIGHT},
            profiles=dict(CONTENT["profiles"],
                          staff={MAIN: "office", EXIT: "night" if step % 2 else "always"}),
        )
        target = build(content)
        apply_delta(lst, diff(lst, target))
        assert content_hash(lst) == content_hash(target)
    assert len(lst.profiles) <= 4 and len(lst.schedules) <= 4


def test_compact_merges_removals_and_insertions_everywhere():
    lst = _decoded()
    first = lst.keys[0]
    last = lst.keys[len(lst.keys) - 1]
    _apply(lst, [2, first], [2, last], [1, 1, 0, 0, TIME_MAX, 0],
           [1, (1 << 64) - 1, 1, 5, 6, 0], [1, key(103), 1, 0, TIME_MAX, 0],
           [1, key(160), 0, 0, TIME_MAX, 0], [2, key(160)])
    decisions_before = [lst.lookup(k) for k in (first, last, 1, (1 << 64) - 1, key(103),
                                                 key(160), key(101))]
    lst.compact()
    after = [lst.lookup(k) for k in (first, last, 1, (1 << 64) - 1, key(103), key(160),
                                     key(101))]
    assert after == decisions_before
    assert after[0] is None and after[1] is None and after[5] is None
    assert list(lst.keys) == sorted(lst.keys)
    assert lst.keys[0] == 1 and lst.keys[len(lst.keys) - 1] == (1 << 64) - 1
