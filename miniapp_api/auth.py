"""Bearer-token authentication of citizens."""

from __future__ import annotations

from functools import wraps

from flask import g, request

from hotline.errors import Unauthorized
from hotline.services import citizen_auth


def bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("请先登录", code="missing_token")
    return token.strip()


def citizen_required(view):
    """Authenticate the caller; ``g.citizen`` is their session (blind index and token id)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.citizen = citizen_auth.session_for_token(bearer_token())
        return view(*args, **kwargs)

    wrapper.citizen_auth = True
    return wrapper
