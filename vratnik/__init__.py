"""Vrátnik: the top-level command line that ties hub, edge, simulator and tools together."""

__version__ = "0.1.0"
