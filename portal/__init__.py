"""The public portal: yearly reports and monthly statistics (月通报), their downloads and
citations. Public, no login; everything is rendered from published editions."""

from flask import Blueprint, request

from hotline.extensions import limiter
from hotline.reports import settings
from hotline.reports.editions import edition_published

bp = Blueprint("portal", __name__, cli_group="portal")


@limiter.request_filter
def _public_report_page() -> bool:
    """Report pages are neither writes nor lookups (DESIGN §6): cached public documents,
    served from memory, throttled (if at all) by the reverse proxy in front."""
    return request.blueprint == "portal"


@bp.record_once
def _setup(state) -> None:
    from portal import cache, present

    settings.init_app(state.app)
    cache.init_app(state.app)  # also puts the micro-cache in front of the app's WSGI stack
    state.app.add_template_global(present.asset_url, "asset_url")
    state.app.add_template_filter(present.fmt, "fmt")
    state.app.add_template_filter(present.cell_class, "cell_class")
    edition_published.connect(cache.clear_on_publish, weak=False)


from portal import cli, views  # noqa: E402,F401
