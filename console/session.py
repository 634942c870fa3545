"""The console's own sign-in state: a signed cookie session, an idle timeout, logout that
holds in every browser, and a CSRF token on every form."""

from __future__ import annotations

import hmac
import secrets
import time

from flask import abort, current_app, request, session

from hotline.extensions import db
from hotline.models.units import StaffUser
from hotline.services.privacy_office import officers


def start(user: StaffUser, login_id: int) -> None:
    session.clear()
    session["console_uid"] = user.id
    session["console_login"] = login_id
    session["console_seen"] = int(time.time())
    session["csrf"] = secrets.token_urlsafe(32)


def end() -> None:
    uid = session.get("console_uid")
    if uid is not None:
        officers.record_logout(db.session.get(StaffUser, uid), request.remote_addr)
    session.clear()


def current_user() -> StaffUser | None:
    """The signed-in staff member, or ``None`` (not signed in, idle too long, logged out
    elsewhere, or the account disabled)."""
    uid = session.get("console_uid")
    if uid is None:
        return None
    idle = current_app.config["CONSOLE_IDLE_MINUTES"] * 60
    now = int(time.time())
    if now - int(session.get("console_seen", 0)) > idle:
        session.clear()
        return None
    user = db.session.get(StaffUser, uid)
    if (
        user is None
        or not user.active
        or officers.last_logout(uid) > session.get("console_login", 0)
    ):
        session.clear()
        return None
    session["console_seen"] = now
    return user


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent, expected):
        abort(400, description="表单已失效，请刷新页面后重试")
