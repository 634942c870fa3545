"""Rate limits of the citizen API and the H5 page (DESIGN §6).

Each view declares its limits next to it (``@limit("lookup_order")``). Limits are keyed
by client address (true client behind ``ProxyFix``), by phone (its blind index, from the
token or from the request body, never the plaintext) and by order number. Their values are
configuration: ``CITIZEN_RATE_LIMITS`` (``hotline.config``; a JSON object in the
environment overrides any of the named defaults). Storage is ``RATELIMIT_STORAGE_URI``: in
memory for the embedded run, Redis in production, shared by every worker and machine; when
Redis fails, flask-limiter falls back to per-process memory
(``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``) rather than letting requests through unlimited.

A limited request gets 429, ``Retry-After`` in seconds and the one JSON error shape with a
Chinese message (``hotline.web.errors``).
"""

from __future__ import annotations

import re

from flask import request

from hotline.errors import Unauthorized
from hotline.services.citizen import auth as citizen_auth
from hotline.web.auth import token_claims
from hotline.web.limits import body_field, by_client, limits
from privacy.blind_index import NormalisationError

_ORDER_NO = re.compile(r"[0-9A-Za-z-]{1,24}")


def _token_bidx() -> str | None:
    try:
        return token_claims().phone_bidx
    except Unauthorized:
        return None


def by_phone() -> str:
    """The logged-in phone, else the phone in the body; requests with neither share the
    caller's address bucket."""
    bidx = _token_bidx()
    if bidx is None and (phone := body_field("phone")):
        try:
            bidx = citizen_auth.phone_bidx(phone)
        except NormalisationError:
            bidx = None
    return f"phone:{bidx}" if bidx else f"phone?{by_client()}"


def by_order() -> str:
    order_no = (request.view_args or {}).get("order_no") or body_field("order_no")
    return f"order:{order_no}" if _ORDER_NO.fullmatch(order_no or "") else "order:-"


limit = limits("CITIZEN_RATE_LIMITS", {"phone": by_phone, "order": by_order})
