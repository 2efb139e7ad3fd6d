"""Provisioning, MicroPython packaging of the edge core, and signed update bundles."""
