"""The staff API under /staff/api/v1: intake and every step of the lifecycle."""

from flask import Blueprint

bp = Blueprint("workbench", __name__, url_prefix="/staff/api/v1")

import workbench.reports  # noqa: E402,F401  (the publisher's report endpoints)
from workbench import views  # noqa: E402,F401
