"""The edge store: the compiled access list on disk and the durable event outbox.

Both survive a kill or power loss at any instant; see docs/edge-store.md.
"""
