"""Pluggable SMS senders: login codes and progress notifications.

``SMS_SENDER`` names the class as ``"package.module:ClassName"``; it is built once per app
with the app as its only argument (``hotline.services.notifications.channels.sms_sender``:
the web app and the notification worker share it) and offers:

- ``send(phone, code, ttl_minutes)``: a login code. A production gateway raises on failure;
  the citizen then gets 503 and may try again.
- ``send_notification(phone, text, key) -> provider id or None``: a progress notification
  (already signed with ``NOTIFY_SMS_PREFIX``). ``key`` is our idempotency key for this
  message on this channel — pass it to the gateway as the client reference where it has
  one. Raise ``SendRefused`` (``hotline.services.notifications.channels``) when the gateway
  will never accept the message, ``SendUncertain`` when it cannot tell whether the message
  went out (a read timeout), and anything else when it certainly did not (it is retried
  with backoff). Set ``dedupes_by_key = True`` only when the gateway drops a second
  message with the same key: then an uncertain send may be tried again.

The embedded default, :class:`LogSender`, sends nothing: it writes one log line. The phone
appears in it only masked; the code only in development mode (never in production, where
the line says that a code was sent and nothing more). A notification's text is not logged
either: it names the order and may quote the reply.
"""

from __future__ import annotations

import json
import logging

from flask import Flask

from hotline.services.citizen.auth import SmsSender
from hotline.services.notifications import channels
from privacy.masking import mask_phone

log = logging.getLogger("hotline.sms")


class LogSender:
    dedupes_by_key = False

    def __init__(self, app: Flask):
        self.show_code = app.config["HOTLINE_ENV"] == "development"

    def send(self, phone: str, code: str, ttl_minutes: int) -> None:
        line = {"event": "sms_code_sent", "to": mask_phone(phone), "ttl_minutes": ttl_minutes}
        if self.show_code:
            line["code"] = code
        log.warning(json.dumps(line, ensure_ascii=False))

    def send_notification(self, phone: str, text: str, key: str) -> str | None:
        line = {"event": "sms_notification_sent", "to": mask_phone(phone), "chars": len(text)}
        log.warning(json.dumps(line, ensure_ascii=False))
        return None


def load_sender(app: Flask) -> SmsSender:
    return channels.load_class(app.config["SMS_SENDER"])(app)


def sender() -> SmsSender:
    """The app's sender, built on first use."""
    return channels.sms_sender()
