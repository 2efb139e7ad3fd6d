"""Hub users: accounts, passwords (Argon2), login and sessions, API tokens, login history.

What a user may see and change is decided by :mod:`hub.rights`; this package only says
who the user is (docs/rights.md).
"""
