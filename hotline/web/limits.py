"""Rate limits declared next to the views they guard (DESIGN §6), for every front door.

``limits(group)`` gives a front door its ``limit(name)`` decorator: the limit's value is
``current_app.config[group][name]`` (configuration, see ``hotline.config``) and its key is
named by the name's suffix — ``…_client`` keys on the client address (the true one behind
``ProxyFix``); a front door adds its own keys (``…_phone``, ``…_order``, ``…_user``).
A limited request gets 429, ``Retry-After`` and the one error shape (``hotline.web.errors``).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request
from flask_limiter.util import get_remote_address

from hotline.extensions import limiter


def by_client() -> str:
    return "ip:" + (get_remote_address() or "-")


def body_field(name: str) -> str:
    """A text field of the request's JSON body ("" when absent), for keying a limit."""
    data = request.get_json(silent=True) if request.is_json else None
    raw = data.get(name) if isinstance(data, dict) else None
    return raw.strip()[:200] if isinstance(raw, str) else ""


def limits(group: str, keys: dict[str, Callable[[], str]] | None = None):
    """A ``limit(name)`` decorator factory for the limits of config ``group``."""
    key_funcs = {"client": by_client, **(keys or {})}

    def limit(name: str, *, failures_only: bool = False):
        """``failures_only``: only refused credentials count (401, 423): a login limit that
        the account's owner, logging in right, never uses up, and that answers limited by
        another limit (429) do not fill."""
        key = key_funcs[name.rsplit("_", 1)[1]]
        deduct = (lambda response: response.status_code in (401, 423)) if failures_only else None
        return limiter.limit(
            lambda: current_app.config[group][name], key_func=key, deduct_when=deduct
        )

    return limit
