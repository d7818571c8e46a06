"""With LMS_RATELIMIT_STORAGE_URI on Redis, every server shares one sign-in budget.

Two gunicorn servers (one worker each) on free loopback ports serve one SQLite file
and count in one Redis database; failed sign-ins sent to them in turn are refused
with 429 once the limit is spent in total, not per server. Redis's database 14 is
this test's; only the keys of this run's account are deleted.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from lms.config import ROOT
from lms.extensions import db
from tests.conftest import make_app, skip_or_fail

REDIS_URL = "redis://127.0.0.1:6379/14"
LIMIT = 3
STARTUP_SECONDS = 15
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def redis_db():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis is not reachable at {REDIS_URL}: {exc}")
    yield client
    client.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


@contextlib.contextmanager
def _servers(count: int, env: dict[str, str], log: Path) -> Iterator[list[int]]:
    """``count`` gunicorn servers of the app (1 worker each); yields their ports."""
    ports = [_free_port() for _ in range(count)]
    processes = []
    with log.open("ab") as output:
        try:
            for port in ports:
                processes.append(subprocess.Popen(
                    [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", "1",
                     "-b", f"127.0.0.1:{port}", "--no-control-socket",
                     "--graceful-timeout", "2", "wsgi:app"],
                    cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                    start_new_session=True))
            deadline = time.monotonic() + STARTUP_SECONDS
            waiting = set(ports)
            while waiting and time.monotonic() < deadline:
                assert all(p.poll() is None for p in processes), log.read_text()[-3000:]
                waiting = {port for port in waiting if not _healthy(port)}
                time.sleep(0.1)
            assert not waiting, f"servers not ready: {log.read_text()[-3000:]}"
            yield ports
        finally:
            for process in processes:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=5)


class _Browser:
    """One visitor: a cookie jar over plain HTTP to any of the servers."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, form: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
            return response.status, text
        finally:
            connection.close()


def test_two_servers_on_redis_share_one_sign_in_budget(tmp_path, redis_db):
    url = f"sqlite:///{tmp_path / 'lms.db'}"
    app = make_app(url, str(tmp_path))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(LMS_ENV="testing", LMS_DATABASE_URL=url, LMS_INSTANCE_PATH=str(tmp_path),
               LMS_RATELIMIT_STORAGE_URI=REDIS_URL, LMS_LOGIN_RATE_LIMIT=f"{LIMIT} per minute")
    email = f"shared-budget-{uuid.uuid4().hex}@example.org"
    started = time.monotonic()
    try:
        with _servers(2, env, tmp_path / "gunicorn.log") as ports:
            browser = _Browser()
            token = _login_token(browser, ports[0])  # the servers share the secret key
            statuses = [browser.request(ports[n % 2], "POST", "/login", {
                "csrf_token": token, "email": email, "password": "wrong"})[0]
                for n in range(LIMIT + 2)]
            # A classmate at the same address still has a budget of their own.
            classmate = browser.request(ports[1], "POST", "/login", {
                "csrf_token": token, "email": f"classmate-{email}", "password": "wrong"})[0]
            counted_in_redis = _forget(redis_db, email)
    finally:
        _forget(redis_db, email)
        _forget(redis_db, f"classmate-{email}")
    assert counted_in_redis
    # Separate budgets would allow LIMIT refusals per server (2 × LIMIT in all).
    assert statuses == [422] * LIMIT + [429, 429]
    assert classmate == 422
    assert time.monotonic() - started < 20


def _login_token(browser: _Browser, port: int) -> str:
    status, page = browser.request(port, "GET", "/login")
    assert status == 200
    return _TOKEN.search(page).group(1)


def _forget(redis_db, email: str) -> int:
    """Delete this run's counters only (their keys hold the account's hash); how many."""
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    keys = list(redis_db.scan_iter(match=f"*{digest}*", count=100))
    if keys:
        redis_db.delete(*keys)
    return len(keys)
