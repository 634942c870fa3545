"""Statistics from rollups whose cost does not grow with the orders (issue 16).

- ``contributions``: an order's key (Beijing date of receipt, district, street, lead unit,
  category, kind, channel) and its additive facts, computed in SQL from the reports' own
  definitions; ``rollup_orders`` stores each order's current contribution.
- ``grains``: the aggregate tables (``hotline.models.rollups``), each the sum of the
  contributions over a few dimensions, by day, ISO week or month.
- ``maintain``: a session hook that applies the difference of every changed order's
  contribution to every grain, in the same transaction as the change.
- ``rebuild``: everything again from the orders, set-based (after a bulk load).
- ``queries``: ``RollupQueries``, the report queries answered from the grains (plus the
  live part of "overdue" from the few open orders).
- ``verify``: the rollups against a recomputation from the orders (``flask reports
  verify-rollups``).
"""

from __future__ import annotations

from flask import Flask

from hotline.reports.rollups.maintain import refresh_orders
from hotline.reports.rollups.rebuild import rebuild

__all__ = ["init_app", "rebuild", "refresh_orders"]


def init_app(app: Flask) -> None:
    """The ``flask reports`` commands, and the hook that keeps the rollups current."""
    from hotline.extensions import db
    from hotline.reports.rollups.cli import reports_cli
    from hotline.reports.rollups.maintain import install

    install(db.session)
    app.cli.add_command(reports_cli)
