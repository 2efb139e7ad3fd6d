"""The edge layer's one exception family.

Every error the edge agent raises on purpose derives from :class:`EdgeError`; library and
OS errors are translated into it once, at the boundary, with ``raise ... from err``.
Sub-packages add their own subclasses (for example ``edge.store.errors``).
"""


class EdgeError(Exception):
    """Base of every error raised on purpose by edge/ (outside the portable core)."""
