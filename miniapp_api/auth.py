"""Bearer-token authentication of citizens."""

from __future__ import annotations

from functools import wraps

from flask import g, request

from hotline.errors import Unauthorized
from hotline.extensions import db
from hotline.services import citizen_auth
from hotline.services.citizen_auth import CitizenSession

SAFE_METHODS = ("GET", "HEAD")
_CLAIMS, _READ_ONLY = "hotline.citizen_claims", "hotline.read_only"


def bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("请先登录", code="missing_token")
    return token.strip()


def token_claims() -> CitizenSession:
    """The request's bearer token, signature and expiry checked (not yet revocation).

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


def read_only_request() -> None:
    """Run the rest of the request without a transaction (AUTOCOMMIT): each query is its
    own, and no BEGIN or COMMIT travels to the database. Only for views that never write;
    ``_commit_once`` then has nothing to commit."""
    if db.session().in_transaction():  # the session is already in use: stay in its transaction
        return
    db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    request.environ[_READ_ONLY] = True


def is_read_only_request() -> bool:
    return request.environ.get(_READ_ONLY, False)


def citizen_required(view):
    """Authenticate the caller; ``g.citizen`` is their session (blind index and token id).

    GET views of the citizen API only read, so they run as ``read_only_request``.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        claims = token_claims()
        if request.method in SAFE_METHODS:
            read_only_request()
        citizen_auth.refuse_revoked(claims)
        g.citizen = claims
        return view(*args, **kwargs)

    wrapper.citizen_auth = True
    return wrapper
