"""The hub: the Flask + SQLAlchemy server that owns the site model, compiles access lists
and talks to the edges."""
