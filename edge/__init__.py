"""The edge agent. Must stay importable on MicroPython (docstring only)."""
