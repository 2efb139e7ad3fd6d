"""The offline decision core (MicroPython-portable, no I/O, no clock reads)."""
