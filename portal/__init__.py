"""Front door: the public portal — yearly reports, monthly statistics (月通报) and weekly
analyses (周分析), district pages, edition diffs, the release calendar, downloads and
citations, and the Open311 read API. Public, no login; every page is rendered from published
editions (Open311 from the anonymised open data)."""

from flask import Blueprint, Flask, redirect, request

from hotline.extensions import limiter
from hotline.web.replica import published_content

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
    from portal import cache, open311, present

    app.register_blueprint(bp)
    open311.init_app(app)  # rate-limited per client: not a "portal" blueprint page
    published_content(app, bp.name, open311.bp.name)  # reads may use DATABASE_REPLICA_URL
    cache.init_app(app)  # also puts the micro-cache in front of the app's WSGI stack
    app.add_template_global(present.asset_url, "asset_url")
    app.add_template_filter(present.fmt, "fmt")
    app.add_template_filter(present.cell_class, "cell_class")
    app.add_template_filter(present.shown_columns, "shown_columns")


from portal import cli, views  # noqa: E402,F401
