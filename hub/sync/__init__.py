"""Hub side of sync over MQTT (docs/sync.md, "Hub"): lists, presence, events, commands.

:class:`hub.sync.service.SyncService` is the one object an app starts: it connects to
the broker (or to the embedded one of :mod:`hub.broker`), keeps every controller's list
(:mod:`hub.sync.lists`), ingests events (:mod:`hub.events.ingest`), tracks presence
(:mod:`hub.sync.presence`) and answers the API's activations and door commands.
"""
