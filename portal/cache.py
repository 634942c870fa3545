"""The portal's caches (``hotline.cache``: one facility, one staleness rule).

Published editions never change, so their rendered pages are kept by edition; which
edition a URL names changes only when an edition is published, which bumps the shared
version ``portal``: every worker on every machine drops its portal caches within
``CACHE_VERSION_CHECK_SECONDS``. In front of the app, ``PortalMicroCache`` replays the
finished public responses the same way, without entering Flask.
"""

from __future__ import annotations

from flask import Flask

from hotline.cache import LocalCache, caches, local_cache, shared_version
from hotline.reports.editions import PORTAL_VERSION as VERSION
from portal.microcache import PortalMicroCache


def refs() -> LocalCache:
    return local_cache("portal.refs", size=4096, version=VERSION)


def pages() -> LocalCache:
    return local_cache("portal.pages", size=128, version=VERSION)


def init_app(app: Flask) -> None:
    micro = PortalMicroCache(
        app.wsgi_app,
        flask_app=app,
        ttl=app.config["PORTAL_CACHE_SECONDS"],
        version=shared_version(VERSION, app),
        interval=app.config["CACHE_VERSION_CHECK_SECONDS"],
    )
    app.wsgi_app = micro
    caches(app)["portal.micro"] = micro


def clear(app: Flask) -> None:
    """Forget this worker's portal pages and lookups (tests; an operator never needs to:
    a publication bumps the shared version)."""
    for name in ("portal.refs", "portal.pages", "portal.micro"):
        if (cache := caches(app).get(name)) is not None:
            cache.clear()
