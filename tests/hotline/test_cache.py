"""The one cache facility and its staleness rule: an entry lives until its time to live
runs out or the shared version it depends on changes."""

from __future__ import annotations

import time

from hotline.cache import LocalCache, SharedVersion
from hotline.extensions import db


def test_entries_expire_after_their_time_to_live():
    cache = LocalCache("t", size=10, ttl=0.05)
    cache.put("a", 1)
    assert cache.get("a") == 1
    time.sleep(0.08)
    assert cache.get("a") is None


def test_the_least_recently_used_entry_goes_first():
    cache = LocalCache("t", size=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert cache.get("b") is None
    assert cache.get("a") == 1
    assert cache.get("c") == 3


def test_misses_are_not_kept_unless_asked(app):
    cache = LocalCache("t", size=10)
    calls = []
    assert cache.get_or_load("k", lambda: calls.append(1)) is None
    assert cache.get_or_load("k", lambda: calls.append(1)) is None
    assert len(calls) == 2


def test_a_bumped_shared_version_empties_every_cache_that_follows_it(app):
    mine, theirs = SharedVersion("things"), SharedVersion("things")  # two workers
    cache = LocalCache("t", size=10, version=theirs)
    cache.put("k", "old")
    assert cache.get("k", interval=60) is None  # first read of the version drops nothing…
    cache.put("k", "old")
    assert cache.get("k", interval=60) == "old"
    mine.bump()
    db.session.commit()
    assert cache.get("k", interval=60) == "old"  # …and the other worker checks only so often
    assert cache.get("k", interval=0) is None
    assert mine.current(0) == theirs.current(0) == 1
