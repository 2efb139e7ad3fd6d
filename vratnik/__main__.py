"""Allows ``python -m vratnik``."""

from vratnik.cli import main

main()
