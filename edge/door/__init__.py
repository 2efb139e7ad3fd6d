"""Doors: lock relay, door contact and exit button behind a small I/O port, one state
machine per door, a concentrator for several doors and reader heads, and the fanout that
hands events to slower consumers. See docs/door.md; the card-to-relay path itself is
``edge.access_path``.
"""
