"""Rate limits of the staff API (``STAFF_RATE_LIMITS``): the login, by client address and
by the username tried, against guessing and against burning CPU on password hashes."""

from __future__ import annotations

from hotline.web.limits import body_field, limits


def by_user() -> str:
    return "user:" + (body_field("username")[:64] or "-")


limit = limits("STAFF_RATE_LIMITS", {"user": by_user})
