"""The access-list compiler: site rules -> one compiled access list per controller.

``rules`` is the input model (plain frozen values), ``windows`` turns schedules into UTC
validity windows, ``compile`` builds the lists and ``incremental`` keeps them current with
per-controller deltas; ``validate`` reports conflicts and ``reference`` is the slow
evaluator the tests compare against. See docs/compiler.md.
"""
