"""Bearer-token authentication and role checks for the staff API."""

from __future__ import annotations

from functools import wraps

from flask import g, request

from hotline.errors import Forbidden, Unauthorized
from hotline.models.enums import Role
from hotline.services import staff
from hotline.services.actors import Actor


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("请先登录", code="missing_token")
    return token.strip()


def staff_required(*roles: Role):
    """Authenticate the caller; with roles given, refuse everyone else with 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = staff.user_for_token(bearer_token())
            if roles and user.role not in roles:
                raise Forbidden("您的角色无权执行此操作", code="role_forbidden")
            g.staff_user = user
            g.actor = Actor.of(user)
            return view(*args, **kwargs)

        return wrapper

    return decorator
