"""Figures of the API tests, printed after the run."""

from __future__ import annotations

import pytest


def pytest_sessionfinish(session) -> None:
    handed = getattr(session.config, "workeroutput", None)
    if handed is not None:
        from tests.api.test_schemathesis import REQUESTS

        handed["schemathesis_requests"] = dict(REQUESTS)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    from tests.api.test_schemathesis import REQUESTS

    REQUESTS.update(getattr(node, "workeroutput", {}).get("schemathesis_requests", {}))


def pytest_terminal_summary(terminalreporter) -> None:
    from tests.api.test_schemathesis import REQUESTS

    if not REQUESTS:
        return
    terminalreporter.section("schemathesis, requests made")
    for backend, count in sorted(REQUESTS.items()):
        terminalreporter.write_line(f"{backend}: {count} requests")
