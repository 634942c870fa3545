"""Pluggable SMS senders for login codes.

``SMS_SENDER`` names the class as ``"package.module:ClassName"``; it is built once per app
with the app as its only argument and must offer ``send(phone, code, ttl_minutes)``. A
production gateway raises on failure; the citizen then gets 503 and may try again.

The embedded default, :class:`LogSender`, sends nothing: it writes one log line. The phone
appears in it only masked; the code only in development mode (never in production, where
the line says that a code was sent and nothing more).
"""

from __future__ import annotations

import importlib
import json
import logging

from flask import Flask, current_app

from hotline.services.citizen.auth import SmsSender
from privacy.masking import mask_phone

log = logging.getLogger("hotline.sms")


class LogSender:
    def __init__(self, app: Flask):
        self.show_code = app.config["HOTLINE_ENV"] == "development"

    def send(self, phone: str, code: str, ttl_minutes: int) -> None:
        line = {"event": "sms_code_sent", "to": mask_phone(phone), "ttl_minutes": ttl_minutes}
        if self.show_code:
            line["code"] = code
        log.warning(json.dumps(line, ensure_ascii=False))


def load_sender(app: Flask) -> SmsSender:
    path = app.config["SMS_SENDER"]
    module_name, _, attr = path.partition(":")
    if not attr:
        module_name, _, attr = path.rpartition(".")
    cls = getattr(importlib.import_module(module_name), attr)
    return cls(app)


def sender() -> SmsSender:
    """The app's sender, built on first use."""
    app = current_app._get_current_object()  # noqa: SLF001
    if "miniapp_sms" not in app.extensions:
        app.extensions["miniapp_sms"] = load_sender(app)
    return app.extensions["miniapp_sms"]
