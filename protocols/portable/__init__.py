"""MicroPython-portable wire code: CBOR subset, messages, access lists, Wiegand, card keys."""
