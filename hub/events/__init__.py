"""Access and door events reported by the edges: the table and the idempotent ingest."""
