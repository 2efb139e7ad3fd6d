"""Suite-wide rules.

A skipped test is a check that did not run, so the suite treats every skip as a failure:
the real broker, database, browser and MicroPython binary are all set up by ``./run test``.
"""

from __future__ import annotations

import pytest


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    skipped = reporter.stats.get("skipped", [])
    if skipped and session.exitstatus == 0:
        message = f"{len(skipped)} test(s) skipped: every check must run (see tests/conftest.py)"
        reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
