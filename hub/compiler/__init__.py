"""The access-list compiler: site rules -> one compiled access list per controller.

``rules`` / ``siterules`` are the input model (plain frozen values), ``windows`` turns
schedules into UTC validity windows, ``access`` shares them per policy combination,
``compile`` builds the lists, ``incremental`` (with ``deltas`` and ``snapshot``) keeps
them current with per-controller deltas; ``validate`` reports conflicts and
``reference`` is the slow evaluator the tests compare against. See docs/compiler.md.
"""
