"""Who is calling: staff by bearer token, citizens by their signed token.

Each decorator authenticates the caller before the view runs and leaves ``g.actor`` (an
``Actor``, the one thing services are told about their caller). The privacy office console
authenticates officers by its session cookie in ``console``; the public portal needs no
login.
"""

from __future__ import annotations

from functools import wraps

from flask import g, request

from hotline.errors import ApiError, Forbidden, Unauthorized
from hotline.models.enums import Role
from hotline.services import staff
from hotline.services.actors import Actor
from hotline.services.citizen import auth as citizen_auth
from hotline.services.citizen.auth import CitizenSession

_CLAIMS = "hotline.citizen_claims"
_REVOCATION_CHECKED = "hotline.citizen_revocation_checked"


def bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("请先登录", code="missing_token")
    return token.strip()


def staff_required(*roles: Role):
    """Authenticate a staff member; with roles given, refuse everyone else with 403."""

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


def token_claims() -> CitizenSession:
    """The request's citizen token, signature and expiry checked (not yet revocation).

    Read once per request (the rate limiter keys on it before the view authenticates) and
    kept in the request's environ: ``g`` can outlive a request when an app context was
    pushed around it (tests, CLI).
    """
    claims = request.environ.get(_CLAIMS)
    if claims is None:
        try:
            claims = citizen_auth.read_token(bearer_token())
        except Unauthorized as exc:
            claims = exc
        request.environ[_CLAIMS] = claims
    if isinstance(claims, Unauthorized):
        raise claims
    return claims


def citizen_required(view):
    """Authenticate a citizen; ``g.citizen`` is their session, ``g.actor`` the citizen."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        claims = token_claims()
        citizen_auth.refuse_revoked(claims)
        g.citizen = claims
        g.actor = Actor.citizen(claims.phone_bidx)
        return view(*args, **kwargs)

    wrapper.citizen_auth = True
    return wrapper


def citizen_required_revocation_in_query(view):
    """``citizen_required`` for a hot read that asks the database anyway: the view reads
    whether the token was revoked in its own query (one round trip instead of two) and
    reports it with ``revocation_read``. Whatever the view does, the check happens: when
    the view fails (an order not found) or answers without reporting, the wrapper reads
    the revocation itself before anything leaves, so a logged-out token gets 401 on its
    very next request, as with ``citizen_required``."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        claims = token_claims()
        g.citizen = claims
        g.actor = Actor.citizen(claims.phone_bidx)
        request.environ[_REVOCATION_CHECKED] = False
        try:
            response = view(*args, **kwargs)
        except ApiError:
            if not request.environ[_REVOCATION_CHECKED]:
                citizen_auth.refuse_revoked(claims)
            raise
        if not request.environ[_REVOCATION_CHECKED]:
            citizen_auth.refuse_revoked(claims)
        return response

    wrapper.citizen_auth = True
    return wrapper


def revocation_read(revoked: bool) -> None:
    """The view of ``citizen_required_revocation_in_query`` read the revocation: refuse a
    revoked token (401), and tell the wrapper that the check was made."""
    request.environ[_REVOCATION_CHECKED] = True
    if revoked:
        raise Unauthorized("您已退出登录，请重新登录", code="token_revoked")
