"""A whole site's configuration as one readable JSON document: export, validate, import.

The document uses natural keys (names, codes, card text), never database ids, so it can be
read, diffed and edited by people and loaded into any hub. ``docs/api.md`` describes it;
``samples/factory.json`` is the manuals' example factory.
"""
