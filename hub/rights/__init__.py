"""What a hub user may see and change (SPEC.md section 7, docs/rights.md).

Scopes and modules are data (``models.py``); ``decide.py`` answers questions about them
without I/O; ``query.py`` turns a scope into SQL; ``endpoints.py`` names the right every
REST endpoint needs.
"""
