"""A cache of computed reports: a program officer's repeated views cost little.

An entry is keyed by (locale, filters, scope): two viewers share one only when they may
count exactly the same things, so a coordinator never sees an administrator's figures.
It holds the computed sections and the moment they were computed (the page says "Figures
as of ...").

Two things end an entry. Every event that changes a figure (``lms.reports.reactions``)
bumps a generation number that is part of every key, so older entries are never read
again; and an entry lives at most ``LMS_REPORT_CACHE_SECONDS`` (default 600; 0 turns the
cache off), because some writes announce no event (a cohort moved to another country, a
user's profile edited, a CSV import).

Storage: Redis when ``LMS_RATELIMIT_STORAGE_URI`` or ``LMS_JOBS_URL`` names one, so every
worker shares the entries and the generation; otherwise a dict in this process, bounded
in size. A cache that fails (Redis down) is a cache that misses: the report is computed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from flask import current_app, has_app_context
from flask_babel.speaklater import LazyString
from markupsafe import Markup

from lms.kernel import clock
from lms.reports.filters import ReportFilter, Scope
from lms.reports.tables import Chart, Section

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_SECONDS = 600
# Entries kept by the in-process store: a report is some hundreds of kilobytes at most,
# a chart's SVG some tens.
MAX_ENTRIES = 256
_PREFIX = "lms:report:"
_REDIS_SCHEMES = ("redis", "rediss", "unix")


class Store(Protocol):
    def get(self, key: str) -> bytes | Any | None: ...
    def set(self, key: str, value: Any, seconds: int) -> None: ...
    def generation(self) -> int: ...
    def bump(self) -> None: ...


class MemoryStore:
    """Entries in this process, oldest dropped first beyond ``MAX_ENTRIES``."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._generation = 0
        self._max = max_entries
        self._lock = threading.Lock()

    def get(self, key: str) -> Any | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            expires, value = found
            if clock.now().timestamp() >= expires:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def set(self, key: str, value: Any, seconds: int) -> None:
        with self._lock:
            self._entries[key] = (clock.now().timestamp() + seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def generation(self) -> int:
        return self._generation

    def bump(self) -> None:
        with self._lock:
            self._generation += 1
            # Entries of older generations are never read again: free them now.
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._entries))


class RedisStore:
    """Entries in Redis, shared by every worker; Redis expires them itself."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)

    def get(self, key: str) -> bytes | None:
        return self._redis.get(_PREFIX + key)

    def set(self, key: str, value: bytes, seconds: int) -> None:
        self._redis.set(_PREFIX + key, value, ex=seconds)

    def generation(self) -> int:
        return int(self._redis.get(_PREFIX + "generation") or 0)

    def bump(self) -> None:
        self._redis.incr(_PREFIX + "generation")


def _redis_url(config) -> str | None:
    for name in ("LMS_RATELIMIT_STORAGE_URI", "LMS_JOBS_URL"):
        url = str(config.get(name) or "")
        if urlsplit(url).scheme in _REDIS_SCHEMES:
            return url
    return None


def store() -> Store:
    """The application's store, made on first use."""
    found = current_app.extensions.get("report_cache")
    if found is None:
        url = _redis_url(current_app.config)
        found = RedisStore(url) if url else MemoryStore()
        current_app.extensions["report_cache"] = found
    return found


def max_age() -> int:
    return int(current_app.config.get("LMS_REPORT_CACHE_SECONDS", DEFAULT_SECONDS) or 0)


def cache_key(locale: str, filters: ReportFilter, scope: Scope, generation: int) -> str:
    """A digest of everything the figures depend on (sets sorted: the same scope read in
    another order is the same entry)."""
    parts = (locale, sorted(dataclasses.asdict(filters).items(), key=str),
             scope.everything, sorted(scope.program_ids), sorted(scope.body_ids),
             sorted(scope.cohort_ids), scope.aggregated_only, generation)
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def freeze(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """``value`` with every lazy string turned into the text it reads now, so that the
    sections pickle; a table shared by a chart and its section stays one table."""
    memo = {} if memo is None else memo
    if isinstance(value, LazyString):
        return str(value)
    if id(value) in memo:
        return memo[id(value)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        frozen = dataclasses.replace(value, **{
            f.name: freeze(getattr(value, f.name), memo)
            for f in dataclasses.fields(value) if f.init})
    elif isinstance(value, list):
        frozen = [freeze(item, memo) for item in value]
    elif isinstance(value, tuple):
        frozen = tuple(freeze(item, memo) for item in value)
    else:
        return value
    memo[id(value)] = frozen
    return frozen


def invalidate() -> None:
    """Every entry is stale: the data behind the figures changed."""
    # A commit outside the application (a script with its own session) has no cache.
    if not has_app_context() or max_age() <= 0:
        return
    try:
        store().bump()
    except Exception:  # noqa: BLE001 - a cache that cannot be told must not fail the write
        log.warning("the report cache could not be invalidated", exc_info=True)


def cached_report(locale: str, filters: ReportFilter, scope: Scope,
                  compute: Callable[[], list[Section]]) -> tuple[list[Section], datetime]:
    """(sections, when they were computed): from the cache when an entry is fresh,
    else computed now by ``compute()`` and kept for ``max_age()`` seconds."""
    seconds = max_age()
    if seconds <= 0:
        return compute(), clock.now()
    cache = store()
    key = None
    try:
        key = cache_key(locale, filters, scope, cache.generation())
        found = cache.get(key)
        if found is not None:
            entry = pickle.loads(found) if isinstance(found, bytes) else found  # noqa: S301 - our own entry
            return entry["sections"], entry["computed_at"]
    except Exception:  # noqa: BLE001 - a cache that fails is a cache that misses
        log.warning("the report cache could not be read", exc_info=True)
    computed_at = clock.now()
    sections = compute()
    if key is not None:
        entry = {"sections": freeze(sections), "computed_at": computed_at}
        try:
            cache.set(key, pickle.dumps(entry) if isinstance(cache, RedisStore) else entry,
                      seconds)
        except Exception:  # noqa: BLE001
            log.warning("the report cache could not be written", exc_info=True)
    return sections, computed_at


def cached_svg(chart: Chart, locale: str, render: Callable[[Chart, str], Markup]) -> Markup:
    """The chart drawn as SVG by ``render``, kept like the reports: drawing the charts
    costs more than reading a cached report. The key is a digest of the chart itself (a
    suppressed chart is another chart), so an entry is never stale, only old."""
    seconds = max_age()
    if seconds <= 0:
        return render(chart, locale)
    cache = store()
    key = "svg:" + hashlib.sha256(repr((locale, freeze(chart))).encode()).hexdigest()
    try:
        found = cache.get(key)
        if found is not None:
            return Markup(found.decode() if isinstance(found, bytes) else found)  # noqa: S704 - our own SVG
    except Exception:  # noqa: BLE001 - a cache that fails is a cache that misses
        log.warning("the report cache could not be read", exc_info=True)
    svg = render(chart, locale)
    try:
        cache.set(key, str(svg).encode() if isinstance(cache, RedisStore) else str(svg), seconds)
    except Exception:  # noqa: BLE001
        log.warning("the report cache could not be written", exc_info=True)
    return svg


def cached_choices(locale: str, scope: Scope, compute: Callable[[], T]) -> T:
    """The filter form's choices for ``scope``, kept like the reports (the same
    generation and age limit): once the report is cached they are most of what a view
    still reads."""
    seconds = max_age()
    if seconds <= 0:
        return compute()
    cache = store()
    key = None
    try:
        key = "choices:" + cache_key(locale, ReportFilter(), scope, cache.generation())
        found = cache.get(key)
        if found is not None:
            return pickle.loads(found) if isinstance(found, bytes) else found  # noqa: S301 - our own entry
    except Exception:  # noqa: BLE001 - a cache that fails is a cache that misses
        log.warning("the report cache could not be read", exc_info=True)
    choices = compute()
    if key is not None:
        frozen = freeze(choices)
        try:
            cache.set(key, pickle.dumps(frozen) if isinstance(cache, RedisStore) else frozen,
                      seconds)
        except Exception:  # noqa: BLE001
            log.warning("the report cache could not be written", exc_info=True)
    return choices
