"""Rendered order views, remembered per worker process.

An order changes only by appending an event (every lifecycle step does), so the sequence
number of its last event is a version: the view rendered for one version stays right until
the next event. Each request still checks ownership and reads that version from the
database (one light query); only the parts that move with the clock (time left, overdue,
the rating window) are computed afresh. Entries also expire after
``CITIZEN_DETAIL_CACHE_SECONDS`` (default 60) so that renamed units or new service phones
show soon; ``CITIZEN_DETAIL_CACHE_SIZE`` (default 4096, 0 = off) bounds the memory (the
cache is one of ``hotline.cache``).

What is cached is the masked output that the API returns anyway: no plaintext.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

from hotline.cache import local_cache
from hotline.models.orders import Order
from hotline.services.citizen import view as citizen_view
from miniapp_api import schemas as s


def _cache():
    cfg = current_app.config
    return local_cache(
        "citizen.detail",
        size=cfg["CITIZEN_DETAIL_CACHE_SIZE"],
        ttl=cfg["CITIZEN_DETAIL_CACHE_SECONDS"],
    )


def render(order: Order, *, has_photos: bool = True) -> tuple[dict, citizen_view.RatingFacts]:
    view = citizen_view.public_view(order, has_photos=has_photos)
    return s.dump(s.OrderDetailOut, view), view.facts


def detail_body(head, load: Callable[[int], tuple[Order, bool]]) -> dict:
    """The detail view of the order ``head`` (a row from ``own_order_head``); ``load``
    gives the order by id and whether it has photos (``orders.order_for_view``)."""
    cache = _cache()
    hit = cache.get((head.id, head.last_seq, head.status, head.personal_erased_at))
    if hit is None:
        # Outside a transaction the order may have moved on since ``head`` was read: file
        # the view under the version it was rendered from.
        order, has_photos = load(head.id)
        body, facts = render(order, has_photos=has_photos)
        last_seq = max((event.seq for event in order.events), default=None)
        cache.put((order.id, last_seq, order.status, order.personal_erased_at), (body, facts))
        return body
    static, facts = hit
    live = s.dump(s.LiveOut, citizen_view.live_state(head, facts))
    return {**static, **live, "rating": {**static["rating"], **live["rating"]}}
