"""Figures of the API tests, printed after the run."""

from __future__ import annotations


def pytest_terminal_summary(terminalreporter) -> None:
    from tests.api.test_schemathesis import REQUESTS

    if not REQUESTS:
        return
    terminalreporter.section("schemathesis, requests made")
    for backend, count in sorted(REQUESTS.items()):
        terminalreporter.write_line(f"{backend}: {count} requests")
