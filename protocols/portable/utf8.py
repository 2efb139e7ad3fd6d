"""UTF-8 well-formedness, the same on CPython and MicroPython.

CPython's ``bytes.decode("utf-8")`` is strict. MicroPython's only checks the byte
structure: it accepts overlong forms, surrogates and code points above U+10FFFF. The
codec therefore decodes with the runtime and, where the runtime is lax, also runs
:func:`well_formed` on every non-ASCII string, so both runtimes reject the same bytes.
"""


def _decoder_is_strict() -> bool:
    """True when this runtime's UTF-8 decoder rejects overlongs, surrogates and > U+10FFFF.

    CPython's is strict. MicroPython's only checks the byte structure, so there we run
    :func:`well_formed` ourselves on every non-ASCII string.
    """
    for bad in (b"\xc0\x80", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xf0\x80\x80\x80",
                b"\xf4\x90\x80\x80"):
        try:
            bad.decode("utf-8")
        except UnicodeError:
            continue
        return False
    return True


STRICT_DECODER = _decoder_is_strict()


def well_formed(raw: bytes) -> bool:
    """Whether ``raw`` is well-formed UTF-8 (Unicode 15, table 3-7).

    No overlong forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no
    truncated or stray continuation bytes.
    """
    i = 0
    n = len(raw)
    while i < n:
        c = raw[i]
        if c < 0x80:
            i += 1
            continue
        # need = continuation bytes that follow; lo..hi = allowed range of the first one
        if 0xC2 <= c <= 0xDF:
            need, lo, hi = 1, 0x80, 0xBF
        elif c == 0xE0:
            need, lo, hi = 2, 0xA0, 0xBF
        elif c == 0xED:
            need, lo, hi = 2, 0x80, 0x9F
        elif 0xE1 <= c <= 0xEF:
            need, lo, hi = 2, 0x80, 0xBF
        elif c == 0xF0:
            need, lo, hi = 3, 0x90, 0xBF
        elif 0xF1 <= c <= 0xF3:
            need, lo, hi = 3, 0x80, 0xBF
        elif c == 0xF4:
            need, lo, hi = 3, 0x80, 0x8F
        else:
            return False
        if i + need >= n:
            return False
        if not lo <= raw[i + 1] <= hi:
            return False
        for j in range(i + 2, i + need + 1):
            if not 0x80 <= raw[j] <= 0xBF:
                return False
        i += need + 1
    return True
