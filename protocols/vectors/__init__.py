"""Committed byte vectors of the wire format (JSON files here) and their generator.

CPython only: the generator uses cbor2 and CPython's hmac, independently of our own
codec, so the vectors check our code rather than repeat it. Regenerate with
``python -m protocols.vectors.generate`` after a deliberate wire change.
"""
