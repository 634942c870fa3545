"""The one cache facility of a worker, and the one staleness rule.

**Rule.** A cached value is served until whichever comes first: its time to live runs out
(``ttl``, when the cache has one), or the *shared version* it depends on changes. Shared
versions are counters in the database (``cache_versions``), bumped in the same transaction
as the change that makes cached values wrong (a published report edition bumps
``portal``). Each worker reads a version at most every ``CACHE_VERSION_CHECK_SECONDS``
(default 1 s), and at once after it bumped the version itself; so a change is seen by every
worker on every machine within that time. Caches keyed by something that already changes
with the data (an order's last event number) need neither.

What is kept per worker, and why it may be:

==========================  =========================================  ====================
cache                       holds                                      stale for at most
==========================  =========================================  ====================
``portal.pages``            rendered report pages, by edition          a version check
``portal.refs``             which edition a URL names                  a version check
portal micro-cache          finished public responses                  a version check
``citizen.detail``          rendered order views, by the order's       ``CITIZEN_DETAIL_``
                            last event (the clock-dependent parts are  ``CACHE_SECONDS``
                            computed afresh)                           (names in them)
``citizen.summaries``       masked 40-character request summaries,     never (the text
                            by order uuid and erasure                  never changes)
``citizen.names``           unit, place and category names by id       ``CITIZEN_NAMES_``
                                                                       ``TTL_SECONDS``
==========================  =========================================  ====================

Pure functions memoised with ``functools.lru_cache`` (the redaction of a note, the cut of
a clause into words) are not caches of data and cannot be stale.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select, update

from hotline.extensions import db
from hotline.models.caches import CacheVersion

_MISSING = object()


class SharedVersion:
    """A counter in ``cache_versions`` that this worker reads now and then."""

    def __init__(self, name: str):
        self.name = name
        self._value: int | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()

    def due(self, interval: float) -> bool:
        """Whether the next ``current(interval)`` will read the database."""
        return self._value is None or time.monotonic() - self._read_at >= interval

    def current(self, interval: float | None = None) -> int:
        """The version, read from the database when the last read is ``interval`` old."""
        if interval is None:
            interval = current_app.config["CACHE_VERSION_CHECK_SECONDS"]
        now = time.monotonic()
        if self._value is None or now - self._read_at >= interval:
            value = db.session.scalar(
                select(CacheVersion.version).where(CacheVersion.name == self.name)
            )
            with self._lock:
                self._value, self._read_at = value or 0, now
        return self._value

    def bump(self) -> None:
        """Move the version on, in the caller's transaction; this worker reads it again at
        its next use (after the commit)."""
        done = db.session.execute(
            update(CacheVersion)
            .where(CacheVersion.name == self.name)
            .values(version=CacheVersion.version + 1)
        ).rowcount
        if not done:
            db.session.add(CacheVersion(name=self.name, version=1))
            db.session.flush()
        with self._lock:
            self._value = None


class LocalCache:
    """A bounded, thread-safe LRU map of one worker that follows the staleness rule."""

    def __init__(
        self,
        name: str,
        *,
        size: int,
        ttl: float | None = None,
        version: SharedVersion | None = None,
    ):
        self.name, self.size, self.ttl, self.version = name, size, ttl, version
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._seen_version: int | None = None

    def _follow_version(self, interval: float | None) -> None:
        if self.version is None:
            return
        current = self.version.current(interval)
        if current != self._seen_version:
            with self._lock:
                self._entries.clear()
                self._seen_version = current

    def get(self, key: Hashable, default=None, *, interval: float | None = None):
        self._follow_version(interval)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return default
            if self.ttl is not None and time.monotonic() - entry[0] > self.ttl:
                del self._entries[key]
                return default
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, value: Any) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[key] = (time.monotonic(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def get_or_load(self, key: Hashable, load: Callable[[], Any], *, keep_none: bool = False):
        value = self.get(key, _MISSING)
        if value is _MISSING:
            value = load()
            if value is not None or keep_none:
                self.put(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def caches(app: Flask | None = None) -> dict[str, Any]:
    """The app's registry of caches and shared versions (one per app)."""
    app = app or current_app._get_current_object()  # noqa: SLF001
    return app.extensions.setdefault("hotline_caches", {})


def shared_version(name: str, app: Flask | None = None) -> SharedVersion:
    registry = caches(app)
    key = f"version:{name}"
    if key not in registry:
        registry[key] = SharedVersion(name)
    return registry[key]


def local_cache(
    name: str,
    *,
    size: int,
    ttl: float | None = None,
    version: str | None = None,
    app: Flask | None = None,
) -> LocalCache:
    """The app's cache ``name``, made on first use."""
    registry = caches(app)
    cache = registry.get(name)
    if cache is None:
        shared = shared_version(version, app) if version else None
        cache = registry[name] = LocalCache(name, size=size, ttl=ttl, version=shared)
    return cache
