"""Front door: the public portal — yearly reports and monthly statistics (月通报), their
downloads and citations. Public, no login; everything is rendered from published editions."""

from flask import Blueprint, Flask, redirect, request

from hotline.extensions import limiter

bp = Blueprint("portal", __name__, cli_group="portal")


@limiter.request_filter
def _public_report_page() -> bool:
    """Report pages are neither writes nor lookups (DESIGN §6): cached public documents,
    served from memory, throttled (if at all) by the reverse proxy in front."""
    return request.blueprint == "portal"


@bp.get("/")
def root():
    # The public front door is the reports portal (citizens use /m/ or the mini-program).
    return redirect("/reports/", code=302)


def init_app(app: Flask) -> None:
    from portal import cache, present

    app.register_blueprint(bp)
    cache.init_app(app)  # also puts the micro-cache in front of the app's WSGI stack
    app.add_template_global(present.asset_url, "asset_url")
    app.add_template_filter(present.fmt, "fmt")
    app.add_template_filter(present.cell_class, "cell_class")


from portal import cli, views  # noqa: E402,F401
