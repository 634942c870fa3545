"""Report configuration: score weights, rating scores, thresholds and ranking rules.

The defaults below are the app's configuration defaults (set by ``init_app``); a deployment
overrides any of them through ``create_app(config)``. Every value a report used is copied
into the report's snapshot, so a published edition states the rules it was computed with.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

DEFAULTS: dict = {
    # composite = Σ weight × rate, on a 0–100 scale (DESIGN §2).
    "COMPOSITE_WEIGHTS": {"response": 0.30, "resolution": 0.35, "satisfaction": 0.35},
    # What each verdict is worth in the resolution and satisfaction rates.
    "RATE_SCORES": {
        "resolution": {"yes": 1.0, "partly": 0.5, "no": 0.0},
        "satisfaction": {"satisfied": 1.0, "basically": 0.8, "dissatisfied": 0.0},
    },
    # Rates over fewer rated (or dispatched) orders than this are not shown.
    "REPORT_MIN_RATED": 10,
    # Counts from 1 to this minus one are shown as "<10" below district level.
    "REPORT_SMALL_CELL": 10,
    # Monthly street ranking (先进类 / 进步类 / 整改类 / 治理类).
    "RANKING_RULES": {
        "advanced_share": 0.10,  # 先进类: the top 10 % by composite score
        "governance_share": 0.05,  # 治理类: the bottom 5 % ...
        "governance_floor": 60.0,  # ... and every street scoring below 60
        "rectify_share": 0.10,  # 整改类: the next 10 % above the 治理类 band ...
        "rectify_floor": 70.0,  # ... and every other street scoring below 70
        "improving_places": 10,  # 进步类: rose at least 10 places on last month ...
        "improving_points": 5.0,  # ... or gained at least 5 points
        "min_streets": 3,  # with fewer ranked streets no class is given
    },
    # How many rows the page shows of the long tables (the CSV has them all).
    "REPORT_TOP_CATEGORIES_L1": 10,
    "REPORT_TOP_CATEGORIES_L3": 20,
    "REPORT_TOP_STREETS": 20,
    # PostgreSQL settings for the report's transaction only (SET LOCAL): the GROUP BYs
    # hash a million rows, which 4 MB of work_mem would spill to disk, and JIT compiling
    # costs more than it saves on queries this short.
    "REPORT_PG_SETTINGS": {"work_mem": "64MB", "jit": "off"},
    # Signed draft-preview links and the in-process page cache.
    "REPORT_PREVIEW_TTL_SECONDS": 30 * 60,
    "PORTAL_CACHE_SECONDS": 10,
    "PORTAL_TITLE": "北京市12345市民服务热线接诉即办",
}

# Beijing has had no daylight saving time since 1991: local time is always UTC+8.
LOCAL_OFFSET_HOURS = 8


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)


@dataclass(frozen=True)
class ReportSettings:
    weights: dict
    scores: dict
    min_rated: int
    small_cell: int
    ranking: dict
    response_window_hours: int
    top_l1: int
    top_l3: int

    @classmethod
    def current(cls) -> ReportSettings:
        cfg = current_app.config

        def get(key):
            return cfg.get(key, DEFAULTS.get(key))

        return cls(
            weights=dict(get("COMPOSITE_WEIGHTS")),
            scores={k: dict(v) for k, v in get("RATE_SCORES").items()},
            min_rated=int(get("REPORT_MIN_RATED")),
            small_cell=int(get("REPORT_SMALL_CELL")),
            ranking=dict(get("RANKING_RULES")),
            response_window_hours=int(cfg["RESPONSE_WINDOW_HOURS"]),
            top_l1=int(get("REPORT_TOP_CATEGORIES_L1")),
            top_l3=int(get("REPORT_TOP_CATEGORIES_L3")),
        )

    def snapshot(self) -> dict:
        """The rules as stored in an edition, for its methodology section."""
        return {
            "composite_weights": self.weights,
            "rate_scores": self.scores,
            "min_rated": self.min_rated,
            "small_cell": self.small_cell,
            "ranking_rules": self.ranking,
            "response_window_hours": self.response_window_hours,
            "local_utc_offset_hours": LOCAL_OFFSET_HOURS,
        }
