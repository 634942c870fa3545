"""The rules a report is computed with, read from the app's configuration (``hotline.config``:
score weights, rating scores, thresholds, ranking rules). Every value a report used is
copied into the report's snapshot, so a published edition states the rules it was computed
with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app

# Beijing has had no daylight saving time since 1991: local time is always UTC+8.
LOCAL_OFFSET_HOURS = 8


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
    ranking_min_rated: int = 30
    district_top: int = 10
    hotspots: dict | None = None

    @classmethod
    def current(cls) -> ReportSettings:
        return cls.from_config(current_app.config)

    @classmethod
    def from_config(cls, cfg: Mapping) -> ReportSettings:
        return cls(
            weights=dict(cfg["COMPOSITE_WEIGHTS"]),
            scores={k: dict(v) for k, v in cfg["RATE_SCORES"].items()},
            min_rated=int(cfg["REPORT_MIN_RATED"]),
            small_cell=int(cfg["REPORT_SMALL_CELL"]),
            ranking=dict(cfg["RANKING_RULES"]),
            response_window_hours=int(cfg["RESPONSE_WINDOW_HOURS"]),
            top_l1=int(cfg["REPORT_TOP_CATEGORIES_L1"]),
            top_l3=int(cfg["REPORT_TOP_CATEGORIES_L3"]),
            ranking_min_rated=int(cfg["REPORT_RANKING_MIN_RATED"]),
            district_top=int(cfg["REPORT_DISTRICT_TOP_CATEGORIES"]),
            hotspots=dict(cfg["REPORT_HOTSPOTS"]),
        )

    def snapshot(self) -> dict:
        """The rules as stored in an edition, for its methodology section."""
        return {
            "composite_weights": self.weights,
            "rate_scores": self.scores,
            "min_rated": self.min_rated,
            "small_cell": self.small_cell,
            "ranking_rules": self.ranking,
            "ranking_min_rated": self.ranking_min_rated,
            "response_window_hours": self.response_window_hours,
            "local_utc_offset_hours": LOCAL_OFFSET_HOURS,
        }
