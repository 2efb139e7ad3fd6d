"""The edge agent process: ``vratnik edge run --config edge.toml`` (docs/edge-agent.md).

``core.Agent`` wires the store, sync, doors, readers and camera; ``service.run_service``
runs it headless with signal handling and systemd notification; ``cli`` holds the
``vratnik edge run`` and ``vratnik edge check-config`` commands. Import from those modules
(``from edge.agent.core import Agent``): this package stays empty so that
``vratnik edge --help`` does not load the hardware code.
"""
