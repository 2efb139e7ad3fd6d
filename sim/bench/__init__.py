"""Benchmarks: ``vratnik bench NAME``. Each module registers itself in :mod:`sim.bench.registry`."""
