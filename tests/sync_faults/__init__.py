"""Sync under faults: real processes, a real Mosquitto, and the SQLite writer rules."""
