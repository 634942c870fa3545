"""The two push channels and what each send can come to.

- WeChat: ``subscribeMessage.send`` through the app's client, with the access token shared
  by every worker (``hotline.services.citizen.wechat.api``).
- SMS: the pluggable sender named by ``SMS_SENDER`` (the same one that sends login codes).
  Besides ``send(phone, code, ttl_minutes)`` it offers
  ``send_notification(phone, text, key) -> provider id or None``, where ``key`` is our
  idempotency key for this message on this channel; it raises ``SendRefused`` when the
  gateway will never take the message, ``SendUncertain`` when it cannot tell whether the
  message went out, anything else when it certainly did not. A sender whose gateway
  deduplicates by ``key`` says so with ``dedupes_by_key = True``: then an uncertain send
  is tried again instead of being given up.

Every send ends in one ``Outcome``: sent, retry (certainly not sent; try again later),
dead (certainly not sent; trying again cannot help), refused (WeChat: no consent left) or
uncertain (the request may have reached the provider: never sent again, at most once).
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import Protocol

from flask import Flask, current_app

from hotline.clients.wechat import (
    MessageInvalid,
    RateLimited,
    Refused,
    TokenInvalid,
    WeChatBusy,
    WeChatError,
    WeChatUnavailable,
)
from hotline.errors import ApiError

log = logging.getLogger("hotline.notifications")

# WeChatUnavailable reasons after which WeChat certainly did not act on the call.
_NOT_SENT = frozenset({"connect_timeout", "unreachable", "http_error"})


class SendRefused(Exception):  # noqa: N818  (an outcome, named as such)
    """The provider will never accept this message (bad number, blocked recipient)."""


class SendUncertain(Exception):  # noqa: N818
    """The provider may or may not have sent the message (a timeout after the request)."""


class NotificationSender(Protocol):
    dedupes_by_key: bool

    def send_notification(self, phone: str, text: str, key: str) -> str | None: ...


@dataclass(frozen=True)
class Outcome:
    result: str  # sent | retry | dead | refused | uncertain
    error: str | None = None
    provider_id: str | None = None
    retry_after: int | None = None


SENT, RETRY, DEAD, REFUSED, UNCERTAIN = "sent", "retry", "dead", "refused", "uncertain"


def load_class(path: str):
    """``package.module:Class`` (or ``package.module.Class``)."""
    module_name, _, attr = path.partition(":")
    if not attr:
        module_name, _, attr = path.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


def sms_sender(app: Flask | None = None):
    """The app's SMS sender (``SMS_SENDER``), built once with the app as its argument."""
    app = app or current_app._get_current_object()  # noqa: SLF001
    sender = app.extensions.get("sms_sender")
    if sender is None:
        sender = app.extensions["sms_sender"] = load_class(app.config["SMS_SENDER"])(app)
    return sender


def sender_dedupes(app: Flask | None = None) -> bool:
    return bool(getattr(sms_sender(app), "dedupes_by_key", False))


def send_sms(phone: str, text: str, key: str) -> Outcome:
    sender = sms_sender()
    if not hasattr(sender, "send_notification"):
        return Outcome(DEAD, "sms_sender_cannot_notify")
    try:
        provider_id = sender.send_notification(phone, text, key)
    except SendRefused:
        return Outcome(DEAD, "sms_refused")
    except SendUncertain:
        return Outcome(UNCERTAIN, "sms_uncertain")
    except Exception as exc:  # noqa: BLE001  (any gateway failure: not sent, try again)
        log.warning('{"event": "sms_send_failed", "error": "%s"}', type(exc).__name__)
        return Outcome(RETRY, "sms_failed")
    return Outcome(SENT, provider_id=str(provider_id)[:64] if provider_id else None)


def access_token() -> str | None:
    """A valid WeChat access token (shared by every worker), or None when none can be had
    now; the send then fetches one itself, and fails as a retry if it cannot."""
    from hotline.services.citizen import wechat as citizen_wechat

    try:
        return citizen_wechat.api().tokens.get()
    except ApiError:
        return None


def send_wechat(
    openid: str,
    template_id: str,
    data: dict[str, str],
    page: str | None,
    state: str | None,
    token: str | None = None,
) -> Outcome:
    """subscribeMessage.send with ``token`` (fetched before the claim was committed); a
    token WeChat rejects (40001/42001) is replaced once, as ``AccessTokenManager.call`` does."""
    from hotline.services.citizen import wechat as citizen_wechat

    try:
        wechat = citizen_wechat.api()

        def send(access_token: str):
            return wechat.client.send_subscribe_message(
                access_token, openid, template_id, data, page=page, state=state
            )

        if token is None:
            msgid = wechat.tokens.call(send)
        else:
            try:
                msgid = send(token)
            except TokenInvalid:
                wechat.tokens.invalidate(token)
                msgid = send(wechat.tokens.get())
    except Refused:
        return Outcome(REFUSED, "wechat_refused")
    except MessageInvalid as exc:
        return Outcome(DEAD, f"wechat_{exc.details.get('field', 'message')}_invalid")
    except (RateLimited, WeChatBusy) as exc:
        return Outcome(RETRY, exc.code, retry_after=exc.retry_after)
    except WeChatUnavailable as exc:
        if exc.reason in _NOT_SENT:
            return Outcome(RETRY, exc.code, retry_after=exc.retry_after)
        return Outcome(UNCERTAIN, f"wechat_{exc.reason or 'unavailable'}")
    except WeChatError as exc:
        # TokenInvalid twice, a configuration error (an operator must act), an unknown
        # errcode: WeChat answered with an error, so nothing was sent.
        return Outcome(RETRY, exc.code, retry_after=exc.retry_after)
    except ApiError as exc:  # WeChat no longer configured: the SMS fallback takes over
        return Outcome(DEAD, exc.code)
    return Outcome(SENT, provider_id=str(msgid) if msgid is not None else None)
