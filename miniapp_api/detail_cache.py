"""Rendered order views, remembered per worker process.

An order changes only by appending an event (every lifecycle step does), so the sequence
number of its last event is a version: the view rendered for one version stays right until
the next event. Each request still checks ownership and reads that version from the
database (one light query); only the parts that move with the clock (time left, overdue,
the rating window) are computed afresh. Entries also expire after
``CITIZEN_DETAIL_CACHE_SECONDS`` (default 60) so that renamed units or new service phones
show soon; ``CITIZEN_DETAIL_CACHE_SIZE`` (default 4096, 0 = off) bounds the memory.

What is cached is the masked output that the API returns anyway: no plaintext.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app

from hotline.models.orders import Order
from hotline.services.citizen import view as citizen_view
from miniapp_api import schemas as s


class DetailCache:
    def __init__(self, size: int, ttl: float):
        self.size, self.ttl = size, ttl
        self._entries: OrderedDict[tuple, tuple[float, dict, citizen_view.RatingFacts]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()  # threaded servers (gthread, the dev server)

    def get(self, key: tuple):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or time.monotonic() - entry[0] > self.ttl:
                return None
            self._entries.move_to_end(key)
        return entry[1], entry[2]

    def put(self, key: tuple, body: dict, facts: citizen_view.RatingFacts) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[key] = (time.monotonic(), body, facts)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def _cache() -> DetailCache:
    app = current_app._get_current_object()  # noqa: SLF001
    cache = app.extensions.get("citizen_detail_cache")
    if cache is None:
        cache = app.extensions["citizen_detail_cache"] = DetailCache(
            app.config.get("CITIZEN_DETAIL_CACHE_SIZE", 4096),
            app.config.get("CITIZEN_DETAIL_CACHE_SECONDS", 60),
        )
    return cache


def render(order: Order) -> tuple[dict, citizen_view.RatingFacts]:
    view = citizen_view.public_view(order)
    return s.dump(s.OrderDetailOut, view), view.facts


def detail_body(head, load: Callable[[int], Order]) -> dict:
    """The detail view of the order ``head`` (a row from ``own_order_head``)."""
    cache = _cache()
    hit = cache.get((head.id, head.last_seq, head.status, head.personal_erased_at))
    if hit is None:
        # Outside a transaction the order may have moved on since ``head`` was read: file
        # the view under the version it was rendered from.
        order = load(head.id)
        body, facts = render(order)
        last_seq = max((event.seq for event in order.events), default=None)
        cache.put((order.id, last_seq, order.status, order.personal_erased_at), body, facts)
        return body
    static, facts = hit
    live = s.dump(s.LiveOut, citizen_view.live_state(head, facts))
    return {**static, **live, "rating": {**static["rating"], **live["rating"]}}
