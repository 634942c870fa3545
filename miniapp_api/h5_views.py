"""The mobile H5 page: one HTML shell; the screens are drawn by ``static/m/app.js``."""

from __future__ import annotations

from flask import current_app, render_template, request

from miniapp_api import bp, h5
from miniapp_api.limits import limit


@h5.get("/")
@limit("page_client")
def index():
    cfg = current_app.config
    return render_template(
        "m/index.html",
        api_base=request.script_root + bp.url_prefix,
        dev_mode=cfg["HOTLINE_ENV"] == "development",
        demo_phone=cfg["CITIZEN_DEMO_PHONE"] if cfg["HOTLINE_ENV"] == "development" else None,
    )
