"""Wire formats shared by hub and edge. Must stay importable on MicroPython (docstring only)."""
