"""An in-process cache for the public pages.

Published editions never change, so their rendered HTML can be kept for as long as the
process lives; the key includes everything that can still change around them (whether a
newer edition supersedes them, which version is the latest, the host they are served on).
Which edition a URL names is looked up again after ``PORTAL_CACHE_SECONDS``, or at once in
this process when an edition is published. In front of the app, ``PortalMicroCache`` replays
the finished public responses for the same time without entering Flask at all.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import Flask, current_app

from portal.microcache import PortalMicroCache


class PortalCache:
    def __init__(self, max_pages: int = 128, max_refs: int = 4096):
        self._lock = threading.Lock()
        self._max_refs = max_refs
        self._refs: dict[Hashable, tuple[float, object]] = {}
        self._pages: OrderedDict[Hashable, object] = OrderedDict()
        self._max_pages = max_pages

    def ref(self, key: Hashable, ttl: float, load: Callable[[], object]):
        """A lookup kept for ``ttl`` seconds. Misses are not kept: URLs are unbounded."""
        now = time.monotonic()
        hit = self._refs.get(key)
        if hit is not None and now - hit[0] < ttl:
            return hit[1]
        value = load()
        if value is not None:
            with self._lock:
                if len(self._refs) >= self._max_refs:
                    self._refs.clear()
                self._refs[key] = (now, value)
        return value

    def page(self, key: Hashable, render: Callable[[], object]):
        hit = self._pages.get(key)
        if hit is not None:
            return hit
        value = render()
        with self._lock:
            self._pages[key] = value
            while len(self._pages) > self._max_pages:
                self._pages.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._refs.clear()
            self._pages.clear()


def init_app(app: Flask) -> None:
    app.extensions["portal_cache"] = PortalCache()
    micro = PortalMicroCache(app.wsgi_app, ttl=app.config["PORTAL_CACHE_SECONDS"])
    app.wsgi_app = micro
    app.extensions["portal_microcache"] = micro


def portal_cache() -> PortalCache:
    return current_app.extensions["portal_cache"]


def clear(app: Flask) -> None:
    """Forget every cached page and lookup of this process."""
    for name in ("portal_cache", "portal_microcache"):
        if (cache := app.extensions.get(name)) is not None:
            cache.clear()


def clear_on_publish(sender: Flask, **_) -> None:
    clear(sender)
