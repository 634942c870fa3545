"""Rate limits of the citizen API and the H5 page (DESIGN §6).

Each view declares its limits next to it (``@limit("lookup_order", by_order)``). Limits are
keyed by client address (true client behind ``ProxyFix``), by phone (its blind index, from
the token or from the request body, never the plaintext) and by order number. Their values
are configuration: ``CITIZEN_RATE_LIMITS`` (a dict; in the environment a JSON object)
overrides any of the defaults below. Storage is ``RATELIMIT_STORAGE_URI``: in memory for
the embedded run, Redis in production, shared by every worker and machine; when Redis
fails, flask-limiter falls back to per-process memory (``RATELIMIT_IN_MEMORY_FALLBACK_
ENABLED``) rather than letting requests through unlimited.

A limited request gets 429, ``Retry-After`` in seconds and the one JSON error shape with a
Chinese message.
"""

from __future__ import annotations

import re
import time

from flask import current_app, request
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address

from hotline.errors import Unauthorized, error_body
from hotline.extensions import limiter
from hotline.services import citizen_auth
from miniapp_api.auth import token_claims
from privacy.blind_index import NormalisationError

DEFAULT_LIMITS = {
    # Login: codes cost money and reach a phone; guesses are also capped per code (5).
    "sms_client": "10/hour;50/day",
    "sms_phone": "1/minute;5/hour;10/day",
    "login_client": "30/hour;100/day",
    "login_phone": "10/hour",
    "session_client": "60/minute",
    # Lookup by number + query code: against enumeration and code guessing.
    "lookup_client": "20/hour;100/day",
    "lookup_order": "10/hour",
    # A logged-in citizen reading their orders: keyed by the token's phone (the token is
    # the identity; getting one costs an SMS login, limited above); a request without a
    # valid token counts against its address instead.
    "read_phone": "120/minute",
    # Writes.
    "rate_phone": "20/hour",
    "rate_order": "10/hour",
    "submit_client": "30/hour",
    "submit_phone": "5/hour;20/day",
    # Reference data, the OpenAPI document and pages.
    "reference_client": "300/minute",
    "docs_client": "60/minute",
    "page_client": "120/minute",
}
MESSAGE = "请求过于频繁，请稍后再试"
_ORDER_NO = re.compile(r"[0-9A-Za-z-]{1,24}")


def value(name: str) -> str:
    overrides = current_app.config.get("CITIZEN_RATE_LIMITS") or {}
    return overrides.get(name) or DEFAULT_LIMITS[name]


# -- keys ---------------------------------------------------------------------------------
def by_client() -> str:
    return "ip:" + (get_remote_address() or "-")


def _token_bidx() -> str | None:
    try:
        return token_claims().phone_bidx
    except Unauthorized:
        return None


def _body_field(name: str) -> str:
    data = request.get_json(silent=True) if request.is_json else None
    raw = data.get(name) if isinstance(data, dict) else None
    return raw.strip() if isinstance(raw, str) else ""


def by_phone() -> str:
    """The logged-in phone, else the phone in the body; requests with neither share the
    caller's address bucket."""
    bidx = _token_bidx()
    if bidx is None and (phone := _body_field("phone")):
        try:
            bidx = citizen_auth.phone_bidx(phone)
        except NormalisationError:
            bidx = None
    return f"phone:{bidx}" if bidx else f"phone?{by_client()}"


def by_order() -> str:
    order_no = (request.view_args or {}).get("order_no") or _body_field("order_no")
    return f"order:{order_no}" if _ORDER_NO.fullmatch(order_no or "") else "order:-"


KEYS = {"client": by_client, "phone": by_phone, "order": by_order}


def limit(name: str):
    """Decorate a view with the configured limit ``name``; the key is named by its suffix."""
    key = KEYS[name.rsplit("_", 1)[1]]
    return limiter.limit(lambda: value(name), key_func=key)


# -- the 429 answer -----------------------------------------------------------------------
def retry_after() -> int:
    current = limiter.current_limit
    if current is None:
        return 60
    try:
        return max(1, int(current.reset_at - time.time()))
    except Exception:  # noqa: BLE001  (storage gone while answering: a safe guess)
        return 60


def too_many_requests(exc: RateLimitExceeded):
    seconds = retry_after()
    body, status = error_body(429, "rate_limited", MESSAGE, {"retry_after": seconds})
    body.headers["Retry-After"] = str(seconds)
    return body, status
