"""Weekly hotspots: the exact binomial tail, Benjamini–Hochberg, and the weekly scan."""

from __future__ import annotations

import bisect
import math
import random
from fractions import Fraction
from functools import cache

import pytest

from hotline.reports.hotspots import (
    METHOD_TEXT,
    Hotspot,
    bh_qvalues,
    bh_significant,
    binomial_upper_tail,
    find_hotspots,
    method_text,
    poisson_rise_pvalue,
    scan_hotspots,
)

# --- exact oracle ------------------------------------------------------------------------


def _tail_numerator(n: int, x: int, a: int, c: int) -> int:
    """b**n · P(X ≥ x) for X ~ Binomial(n, a/b), b = a + c, 0 ≤ x ≤ n, a, c > 0.

    Term j is u_j / b**n with the integer u_j = comb(n, j)·a**j·c**(n−j), and
    u_{j+1} = u_j·(n−j)·a / ((j+1)·c) exactly. Past the mode the ratios fall, so once
    u·r/(1 − r) < sum·2⁻¹⁰⁰ the rest cannot change a double: summing stops there, which keeps
    n = 100,000 fast without giving up exactness at float precision. (The test is on bit
    lengths: u·num < 2^(|u| + |num|) and sum·(den − num) ≥ 2^(|sum| + |den − num| − 2).)
    """
    u = math.comb(n, x) * a**x * c ** (n - x)
    total = 0
    j = x
    while True:
        total += u
        if j == n:
            return total
        num, den = (n - j) * a, (j + 1) * c  # r = num/den
        if num < den and (
            u.bit_length() + num.bit_length() + 100
            <= total.bit_length() + (den - num).bit_length() - 2
        ):
            return total
        u = u * (n - j) * a // ((j + 1) * c)
        j += 1


def exact_upper_tail(n: int, x: int, p: Fraction) -> float:
    """P(X ≥ x), X ~ Binomial(n, p), in integer arithmetic, correctly rounded to a float.

    Below the mean it is 1 − P(X ≤ x − 1) = 1 − P(n − X ≥ n − x + 1), so that either way only
    the short decreasing side of the distribution is summed.
    """
    if x <= 0:
        return 1.0
    if x > n:
        return 0.0
    a, b = p.numerator, p.denominator
    c = b - a
    if c == 0:
        return 1.0
    if a == 0:
        return 0.0
    scale = b**n
    if x * b <= n * a:
        return (scale - _tail_numerator(n, n - x + 1, c, a)) / scale
    return _tail_numerator(n, x, a, c) / scale  # int / int: correctly rounded, to 0.0


def assert_close(got: float, want: float) -> None:
    if want >= 1e-300:
        assert got == pytest.approx(want, rel=1e-12, abs=0)
    else:  # subnormal: fewer significant bits exist
        assert abs(got - want) <= 1e-322 + 1e-10 * want


P_GRID = [Fraction(1, 2), Fraction(1, 3), Fraction(1, 9), Fraction(1, 5), Fraction(3, 10)]


def grid_points(n: int, p: Fraction) -> list[int]:
    mean = n * p
    sd = math.sqrt(float(mean * (1 - p)))
    xs = {0, 1, 2, 3, n // 2, n - 1, n}
    for z in (-3, -1, 0, 0.5, 1, 2, 3, 5, 8, 12, 20, 40):
        xs.add(math.floor(mean + z * sd))
        xs.add(math.floor(mean + z * sd) + 1)
    xs |= {math.floor(mean * f) for f in (1.5, 2, 3, 4, 6)}
    return sorted(x for x in xs if 0 <= x <= n)


@pytest.mark.parametrize("n", [1, 2, 5, 9, 10, 12, 30, 100, 250, 1000, 5000])
@pytest.mark.parametrize("p", P_GRID, ids=str)
def test_binomial_tail_matches_exact_oracle(n, p):
    for x in grid_points(n, p):
        assert_close(binomial_upper_tail(n, x, float(p)), exact_upper_tail(n, x, p))


@pytest.mark.parametrize("p", [Fraction(1, 2), Fraction(1, 9)], ids=str)
def test_binomial_tail_large_n_matches_oracle(p):
    # A sparser grid: each exact point costs a math.comb(100000, x), ~0.1 s.
    n = 100_000
    mean = n * p
    sd = math.sqrt(float(mean * (1 - p)))
    xs = [math.floor(mean + z * sd) for z in (-2, 0, 0.5, 2, 5, 12, 40)]
    xs += [math.floor(mean * 3 / 2), 3, n - 1]
    for x in xs:
        # the float p = 1/9 differs from the Fraction by 6e-18, moving a 1e-19 tail by ~5e-14
        assert_close(binomial_upper_tail(n, x, float(p)), exact_upper_tail(n, x, p))


def test_binomial_tail_with_non_rational_float_p():
    for p in (0.3, 0.01, 0.9, 0.123456789):
        exact = Fraction(p)  # the double itself
        for n in (1, 7, 60, 400):
            for x in grid_points(n, exact):
                assert_close(binomial_upper_tail(n, x, p), exact_upper_tail(n, x, exact))


def test_extreme_tails_underflow_only_below_float_range():
    # 2000 trials at p = 1/9: the tail crosses the smallest subnormal (~4.9e-324) near x = 906
    n, p = 2000, Fraction(1, 9)
    seen_subnormal = False
    for x in range(860, 920):
        want = exact_upper_tail(n, x, p)
        got = binomial_upper_tail(n, x, float(p))
        assert_close(got, want)
        assert (got == 0.0) == (want == 0.0) or want <= 1e-323
        seen_subnormal |= 0.0 < got < 2.2e-308
    assert seen_subnormal
    assert binomial_upper_tail(n, 1000, float(p)) == 0.0  # true value ~1e-450
    assert binomial_upper_tail(100, 100, 0.5) == pytest.approx(2.0**-100, rel=1e-13)
    assert binomial_upper_tail(1000, 1000, 0.5) == pytest.approx(2.0**-1000, rel=1e-13)


@pytest.mark.parametrize(("n", "p"), [(50, 1 / 9), (1000, 1 / 9), (1000, 0.5), (20000, 1 / 3)])
def test_binomial_tail_monotone_in_x(n, p):
    values = [binomial_upper_tail(n, x, p) for x in range(-1, min(n, 3000) + 2)]
    assert values[0] == values[1] == 1.0
    assert all(a >= b for a, b in zip(values, values[1:], strict=False))
    # strictly decreasing where a double can tell the values apart (not where they round
    # to 1.0, nor among subnormals)
    pairs = zip(values[1:], values[2:], strict=False)
    assert all(a > b for a, b in pairs if b > 1e-300 and a < 0.999)


def test_binomial_tail_edge_cases():
    assert binomial_upper_tail(0, 0, 0.5) == 1.0
    assert binomial_upper_tail(0, 1, 0.5) == 0.0
    assert binomial_upper_tail(10, 11, 0.5) == 0.0
    assert binomial_upper_tail(10, 1, 0.0) == 0.0
    assert binomial_upper_tail(10, 10, 1.0) == 1.0
    assert binomial_upper_tail(10, -3, 0.2) == 1.0
    with pytest.raises(ValueError, match="p must be"):
        binomial_upper_tail(10, 3, 1.5)
    with pytest.raises(ValueError, match="p must be"):
        binomial_upper_tail(10, 3, math.nan)
    with pytest.raises(ValueError, match="non-negative"):
        binomial_upper_tail(-1, 0, 0.5)


def test_poisson_rise_pvalue():
    # eight zero weeks then 12: every one of the 12 requests fell in this week, (1/9)^12
    assert poisson_rise_pvalue(12, [0] * 8) == pytest.approx(9.0**-12, rel=1e-13)
    assert poisson_rise_pvalue(12, [0] * 3) == pytest.approx(4.0**-12, rel=1e-13)
    assert poisson_rise_pvalue(0, [5] * 8) == 1.0
    assert poisson_rise_pvalue(20, [20] * 8) > 0.4
    assert poisson_rise_pvalue(30, [10, 12, 9, 11]) == pytest.approx(
        exact_upper_tail(72, 30, Fraction(1, 5)), rel=1e-12
    )
    with pytest.raises(ValueError, match="baseline"):
        poisson_rise_pvalue(12, [])
    with pytest.raises(ValueError, match="non-negative"):
        poisson_rise_pvalue(12, [3, -1])


# --- Benjamini–Hochberg ------------------------------------------------------------------


def test_bh_hand_worked_example():
    # Sorted: 0.01, 0.028, 0.029, 0.035, 0.5 (m = 5). At α = 0.05 the thresholds α·i/m are
    # 0.01, 0.02, 0.03, 0.04, 0.05; 0.028 misses its own (0.02) but the largest i passing is
    # i = 4 (0.035 ≤ 0.04), so the step-up rejects ranks 1–4.
    # p·m/i: 0.05, 0.07, 0.04833, 0.04375, 0.5; running minimum from the top:
    # q = 0.04375 for ranks 1–4, 0.5 for rank 5.
    ps = [0.035, 0.5, 0.01, 0.029, 0.028]
    assert bh_qvalues(ps) == pytest.approx([0.04375, 0.5, 0.04375, 0.04375, 0.04375])
    assert bh_significant(ps) == [True, False, True, True, True]
    assert bh_significant(ps, fdr=0.04) == [False] * 5
    assert bh_qvalues([]) == []
    assert bh_qvalues([0.2]) == [0.2]
    assert bh_qvalues([0.9, 0.9, 0.9]) == [0.9, 0.9, 0.9]
    assert bh_qvalues([0.0, 1.0]) == [0.0, 1.0]
    with pytest.raises(ValueError, match="p-values"):
        bh_qvalues([0.1, math.nan])
    with pytest.raises(ValueError, match="fdr"):
        bh_significant([0.1], fdr=0)


def test_bh_matches_step_up_definition():
    rng = random.Random(7)
    for _ in range(200):
        m = rng.randint(1, 40)
        ps = [rng.choice([rng.random() ** 3, 0.5, 0.01]) for _ in range(m)]
        alpha = rng.choice([0.01, 0.05, 0.1, 0.2])
        ranked = sorted(ps)
        passing = [i for i in range(1, m + 1) if ranked[i - 1] <= alpha * i / m]
        cut = ranked[max(passing) - 1] if passing else -1.0
        assert bh_significant(ps, fdr=alpha) == [p <= cut for p in ps]


# --- weekly scan -------------------------------------------------------------------------


@cache
def _poisson_cdf(lam: float) -> tuple[float, ...]:
    prob = math.exp(-lam)
    cdf = [prob]
    k = 0
    while k < lam or prob > 1e-18:
        k += 1
        prob *= lam / k
        cdf.append(cdf[-1] + prob)
    return tuple(cdf)


def poisson(rng: random.Random, lam: float) -> int:
    """Poisson(lam) by inversion against a cached CDF (rates are rounded to 0.1 by callers)."""
    cdf = _poisson_cdf(lam)
    return min(bisect.bisect_left(cdf, rng.random()), len(cdf) - 1)


def flat_cells(rng: random.Random, count: int, weeks: int = 9) -> dict:
    cells = {}
    for i in range(count):
        lam = round(rng.uniform(2, 40), 1)
        cells[("flat", i)] = [poisson(rng, lam) for _ in range(weeks)]
    return cells


PLANTED = [(15.0, 4.0), (20.0, 3.5), (25.0, 3.0), (30.0, 2.5), (40.0, 2.5)]  # rate, multiple


def test_planted_surges_found_and_no_flat_cell_flagged():
    rng = random.Random(20240601)
    cells = flat_cells(rng, 3000)
    for i, (lam, multiple) in enumerate(PLANTED):
        cells[("planted", i)] = [poisson(rng, lam) for _ in range(8)] + [
            poisson(rng, lam * multiple)
        ]
    cells[("from-zero", 0)] = [0] * 8 + [12]

    scan = scan_hotspots(cells)
    found = {h.key for h in scan.hotspots}
    assert found == {("planted", i) for i in range(5)} | {("from-zero", 0)}
    assert scan.examined == 3006
    assert scan.tested + scan.below_min_count + scan.no_baseline == scan.examined
    assert 2000 < scan.tested < 3006
    assert scan.no_baseline == 0
    assert find_hotspots(cells) == list(scan.hotspots)
    qs = [(h.q_value, -h.ratio) for h in scan.hotspots]
    assert qs == sorted(qs)
    for h in scan.hotspots:
        assert h.q_value <= 0.05
        assert h.current >= 10
        assert h.ratio >= 1.5
        assert h.baseline_weeks_used == 8


def test_false_alarms_over_20_flat_runs_are_rare():
    # All 3000 cells flat (every null hypothesis true). Then any flag is a false discovery
    # and FDR = P(at least one flag), which BH holds at ≤ 0.05 per run: in expectation at
    # most 20 × 0.05 = 1 run of the 20 has a flag, and a flagged run has about one flag.
    # The discrete test and the 1.5× floor push it lower. (The BH family is filtered on
    # current ≥ 10, so the bound is nominal; 100 such runs gave 5 flags in total.)
    false_alarms = 0
    for seed in range(20):
        cells = flat_cells(random.Random(seed), 3000)
        false_alarms += len(find_hotspots(cells))
    assert false_alarms <= 2


def test_flat_series_not_flagged():
    scan = scan_hotspots({"flat": [20] * 9})
    assert scan.hotspots == ()
    assert scan.tested == 1
    assert scan.significant == 0


def test_gradual_trend_is_significant_but_below_the_practical_floor():
    # +5 % a week from 1000: this week 1477 against a mean of 1194 (×1.24). Statistically
    # overwhelming, practically a trend, not a surge: the 1.5× floor keeps it out.
    series = [round(1000 * 1.05**t) for t in range(9)]
    scan = scan_hotspots({"trend": series})
    assert scan.significant == 1
    assert scan.hotspots == ()
    assert poisson_rise_pvalue(series[-1], series[:-1]) < 1e-10
    # the same cell crosses the floor once the floor is lowered to 1.2
    assert [h.key for h in find_hotspots({"trend": series}, min_ratio=1.2)] == ["trend"]


def test_zero_baseline_to_twelve_is_flagged():
    [hotspot] = find_hotspots({("朝阳区某街道", "市容环境"): [0] * 8 + [12]})
    assert hotspot == Hotspot(
        key=("朝阳区某街道", "市容环境"),
        current=12,
        baseline_mean=0.0,
        ratio=math.inf,
        p_value=hotspot.p_value,
        q_value=hotspot.p_value,
        baseline_weeks_used=8,
        baseline_total=0,
    )
    assert hotspot.p_value == pytest.approx(9.0**-12, rel=1e-13)


def test_nine_this_week_is_never_flagged():
    cells = {"nine": [0] * 8 + [9], "nine-short": [0, 9]}
    scan = scan_hotspots(cells, min_ratio=0)
    assert scan.hotspots == ()
    assert scan.examined == 2
    assert scan.below_min_count == 2
    assert scan.tested == 0
    # ... although its p-value alone would be tiny
    assert poisson_rise_pvalue(9, [0] * 8) < 1e-8


def test_fewer_baseline_weeks():
    cells = {
        "three-weeks": [0, 0, 0, 12],  # k = 3: p = 4^-12
        "one-week": [4, 30],  # k = 1: p = P(Bin(34, 1/2) ≥ 30)
        "new-cell": [50],  # no earlier week: cannot be tested
    }
    scan = scan_hotspots(cells)
    assert scan.no_baseline == 1
    assert scan.tested == 2
    by_key = {h.key: h for h in scan.hotspots}
    assert set(by_key) == {"three-weeks", "one-week"}
    assert by_key["three-weeks"].baseline_weeks_used == 3
    assert by_key["three-weeks"].p_value == pytest.approx(4.0**-12, rel=1e-13)
    assert by_key["one-week"].baseline_weeks_used == 1
    assert by_key["one-week"].p_value == pytest.approx(
        exact_upper_tail(34, 30, Fraction(1, 2)), rel=1e-12
    )
    assert by_key["one-week"].ratio == 7.5


def test_only_the_last_baseline_weeks_count():
    series = [1000] * 10 + [10] * 8 + [30]
    [hotspot] = find_hotspots({"cell": series})
    assert hotspot.baseline_weeks_used == 8
    assert hotspot.baseline_mean == 10.0
    assert hotspot.ratio == 3.0
    assert find_hotspots({"cell": series}, baseline_weeks=12) == []


def test_ratio_floor_is_exact_at_the_boundary():
    # 30 against a mean of exactly 10 passes a 3× floor, 29 does not; 110 against 100 passes
    # 1.1× (read as 11/10: the double 1.1 times 800 would be 880.0000000000001 > 880)
    assert [h.current for h in find_hotspots({"a": [10] * 8 + [30]}, min_ratio=3)] == [30]
    assert find_hotspots({"a": [10] * 8 + [29]}, min_ratio=3) == []
    assert [h.key for h in find_hotspots({"a": [100] * 8 + [110]}, min_ratio=1.1, fdr=0.5)] == ["a"]


def test_sorting_by_q_then_ratio():
    # p: small 9^-10 = 2.9e-10 > big 1.9e-10, but BH's running minimum gives both the
    # q-value 1.5 × 2.9e-10, and the tie goes to the higher ratio (∞ before 2.9).
    cells = {"mid": [20] * 8 + [40], "big": [20] * 8 + [58], "small": [0] * 8 + [10]}
    hotspots = find_hotspots(cells)
    assert [h.key for h in hotspots] == ["small", "big", "mid"]
    small, big, mid = hotspots
    assert big.p_value < small.p_value
    assert big.q_value == small.q_value < mid.q_value


def test_invalid_arguments():
    with pytest.raises(ValueError, match="no weeks"):
        find_hotspots({"a": []})
    with pytest.raises(ValueError, match="baseline_weeks"):
        find_hotspots({"a": [1, 2]}, baseline_weeks=0)
    with pytest.raises(ValueError, match="fdr"):
        find_hotspots({"a": [1, 2]}, fdr=1.0)
    with pytest.raises(ValueError, match="non-negative"):
        find_hotspots({"a": [1, -2, 12]})
    with pytest.raises(ValueError, match="min_ratio"):
        find_hotspots({"a": [1, 2]}, min_ratio=-1)


def test_method_text():
    assert METHOD_TEXT == method_text()
    for phrase in ("8 周", "二项分布", "Benjamini–Hochberg", "5%", "10 件", "1.5 倍", "重复来电"):
        assert phrase in METHOD_TEXT
    custom = method_text(baseline_weeks=6, min_count=20, min_ratio=2, fdr=0.1)
    for phrase in ("6 周", "10%", "20 件", "2 倍"):
        assert phrase in custom
    assert scan_hotspots({}, fdr=0.1).method_text == method_text(fdr=0.1)
