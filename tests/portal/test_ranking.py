"""The three rates' arithmetic and the monthly street classes, on hand-made numbers."""

from __future__ import annotations

import pytest

from hotline.reports import ranking
from hotline.reports.scoring import Rates, compute_rates
from hotline.reports.settings import ReportSettings


@pytest.fixture
def settings(app) -> ReportSettings:
    return ReportSettings.current()


def test_rates_and_composite(settings):
    rates = compute_rates(
        settings, dispatched=40, responded=36, rated=20, res_sum=17.5, sat_sum=16.8
    )
    assert (rates.response, rates.resolution, rates.satisfaction) == (90.0, 87.5, 84.0)
    assert rates.composite == round(100 * (0.30 * 0.9 + 0.35 * 0.875 + 0.35 * 0.84), 2)


def test_rates_over_fewer_than_ten_are_not_shown(settings):
    few_rated = compute_rates(settings, dispatched=40, responded=36, rated=9, res_sum=9, sat_sum=9)
    assert few_rated.response == 90.0
    assert few_rated.resolution is None
    assert few_rated.satisfaction is None
    assert few_rated.composite is None
    few_dispatched = compute_rates(
        settings, dispatched=9, responded=9, rated=9, res_sum=9, sat_sum=9
    )
    assert few_dispatched.response is None


def test_weights_and_scores_are_configuration(make_app):
    app = make_app(COMPOSITE_WEIGHTS={"response": 0.5, "resolution": 0.25, "satisfaction": 0.25})
    with app.app_context():
        settings = ReportSettings.current()
        rates = compute_rates(settings, dispatched=10, responded=10, rated=10, res_sum=0, sat_sum=0)
        assert rates.composite == 50.0
        assert settings.snapshot()["composite_weights"]["response"] == 0.5
        assert app.config["RATE_SCORES"]["satisfaction"]["basically"] == 0.8


def street(code: str, composite: float | None) -> ranking.StreetMonth:
    rates = Rates(None, None, None, composite, dispatched=50, rated=50)
    return ranking.StreetMonth(code, f"街道{code}", "某区", rates)


def test_classes_of_twenty_streets(settings):
    # This month twenty streets score 99, 97, ..., 61; last month one point less each.
    # Bands of 20: 先进类 round(2.0) = 2, 治理类 round(1.0) = 1, 整改类 round(2.0) = 2.
    last_month = [street(f"{i:02d}", 98 - 2 * i) for i in range(20)]
    last_month[9] = street("09", 75.0)  # 12th last month; 81 now: six points up
    last_month[15] = street("15", 68.0)  # 16th last month
    ranking.rank_month(settings, last_month, None)
    assert last_month[9].rank == 12
    assert last_month[15].rank == 16

    this_month = [street(f"{i:02d}", 99 - 2 * i) for i in range(20)]
    this_month[15] = street("15", 93.5)  # 4th now: up twelve places
    ranked = ranking.rank_month(settings, this_month, last_month)
    classes = {s.unit_code: s.klass for s in ranked}
    assert [s.unit_code for s in ranked][:4] == ["00", "01", "02", "15"]
    assert [s.rank for s in ranked][:4] == [1, 2, 3, 4]
    assert classes["00"] == classes["01"] == ranking.ADVANCED
    assert classes["15"] == ranking.IMPROVING  # by places
    assert classes["09"] == ranking.IMPROVING  # by points
    assert classes["19"] == ranking.GOVERNANCE  # the bottom street (61)
    assert classes["18"] == classes["17"] == ranking.RECTIFY  # the two above it (63, 65)
    assert classes["16"] == ranking.RECTIFY  # 67 is below the 整改类 floor of 70
    others = {
        c
        for code, c in classes.items()
        if code not in {"00", "01", "09", "15", "16", "17", "18", "19"}
    }
    assert others == {None}


def test_floors_ties_and_too_few_streets(settings):
    streets = [street("a", 80.0), street("b", 80.0), street("c", 59.0), street("d", None)]
    ranked = ranking.rank_month(settings, streets, None)
    assert [(s.unit_code, s.rank, s.klass) for s in ranked] == [
        ("a", 1, ranking.ADVANCED),
        ("b", 1, ranking.ADVANCED),  # tied with "a": same rank, same class
        ("c", 3, ranking.GOVERNANCE),
        ("d", None, None),  # too few orders: not ranked
    ]
    two = ranking.rank_month(settings, [street("a", 90.0), street("b", 50.0)], None)
    assert [s.klass for s in two] == [None, None]  # fewer than three ranked: no classes
