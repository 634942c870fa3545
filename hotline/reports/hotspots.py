"""Weekly hotspots (周分析, 未诉先办): street × level-1-category cells whose request count this
week rose significantly against the preceding weeks.

Test. For one cell let c be this week's count and b_1..b_k the counts of the k baseline weeks
(normally the 8 weeks before; fewer at the start of the data). If every week has the same
Poisson rate, then given the total n = c + Σ b_i the current count is Binomial(n, 1/(k+1))
(the conditional test for comparing two Poisson rates). The one-sided p-value is
P(X ≥ c). It is exact: no normal approximation, valid for zero baselines and small counts.

The binomial upper tail is computed in log space. The starting term uses Loader's saddle-point
form of the binomial probability (Stirling-series remainders and the deviance term ``bd0``),
which keeps about 13 significant digits for n up to 10⁵ and beyond, where differences of
``lgamma`` values near 10⁶ would keep only about 10. The remaining terms follow by the ratio
of consecutive probabilities, summed away from the mode with a rigorous geometric stopping
bound. Above the mode the tail is summed directly, so a p-value of 1e-300 keeps its digits;
it is 0.0 only when the true value is below the smallest subnormal float. At or below the
mode the complement of the (smaller) lower tail is used, whose value is then at least about
one half.

Multiplicity. About 15,000 cells are examined a week, so the p-values are adjusted with
Benjamini–Hochberg (false-discovery rate ``fdr``, default 5 %). The BH family is the cells
that could be published: current ≥ ``min_count`` (counts below 10 are shown as "<10", never
as a hotspot) and at least one baseline week. Cells below ``min_count`` are counted as
examined but not tested: they can never yield a published finding, and each one added to the
family would only raise m and lower every BH threshold q·i/m, i.e. cost power with no gain in
protection for what is published. Caveat: this filter uses the current count, which is not
independent of the p-value (it is not "independent filtering"), so the 5 % is nominal rather
than proven. In simulated all-flat weeks (where FDR = the chance of any flag) it held: 4–5 %
of weeks had a false alarm, against 1–2 % for the wider family "current + baseline ≥ 10"
(an independent filter, since the conditional test is valid given that total); the
filtered family is the one that keeps power for publishable cells.

Practical floor. A cell is a hotspot when its q-value ≤ ``fdr`` AND current ≥ ``min_count``
AND current ≥ ``min_ratio`` × baseline mean (1.5 by default), so that a very large cell
rising 3 % — statistically significant, practically not — is not listed. Cells failing the
floor stay in the BH family (the floor is a publication rule, not a test).

Everything here is pure Python (``math``, ``fractions``, ``decimal``): no database, no Flask,
no numpy.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

DEFAULT_BASELINE_WEEKS = 8
DEFAULT_MIN_COUNT = 10
DEFAULT_MIN_RATIO = 1.5
DEFAULT_FDR = 0.05

_LN_2PI = math.log(2.0 * math.pi)
# Relative size below which the rest of a tail no longer changes a double.
_TAIL_EPS = 2.0**-60
_PI_40 = "3.1415926535897932384626433832795028841971"
_STIRLERR_TABLE_MAX = 30


# --- exact binomial tail ------------------------------------------------------------------


def _stirlerr_table() -> tuple[float, ...]:
    """stirlerr(n) = ln n! − (n + ½) ln n + n − ½ ln 2π for n = 0..30, to 40 digits."""
    values = [0.0]  # n = 0 is never used (x = 0 and x = n have their own formulas)
    with localcontext() as ctx:
        ctx.prec = 40
        half_ln_2pi = (2 * Decimal(_PI_40)).ln() / 2
        for n in range(1, _STIRLERR_TABLE_MAX + 1):
            d = Decimal(n)
            value = Decimal(math.factorial(n)).ln() - (d + Decimal("0.5")) * d.ln() + d
            values.append(float(value - half_ln_2pi))
    return tuple(values)


_STIRLERR = _stirlerr_table()


def _stirlerr(n: int) -> float:
    """Error of Stirling's formula for ln n!: tabulated up to 30, series above."""
    if n <= _STIRLERR_TABLE_MAX:
        return _STIRLERR[n]
    inv2 = 1.0 / (n * n)
    # 1/12 − 1/(360 n²) + 1/(1260 n⁴) − 1/(1680 n⁶) + 1/(1188 n⁸), all over n
    return (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 / 1188)))) / n


def _bd0(x: float, m: float) -> float:
    """x ln(x/m) + m − x without cancellation when x is close to m (x > 0, m > 0)."""
    if abs(x - m) < 0.1 * (x + m):
        v = (x - m) / (x + m)
        total = (x - m) * v
        term = 2.0 * x * v
        v2 = v * v
        for j in range(1, 1000):
            term *= v2
            nxt = total + term / (2 * j + 1)
            if nxt == total:
                return nxt
            total = nxt
        return total
    return x * math.log(x / m) + m - x


def _log_binom_pmf(x: int, n: int, p: float, q: float) -> float:
    """ln P(X = x) for X ~ Binomial(n, p), 0 < p < 1, q = 1 − p, 0 ≤ x ≤ n."""
    if x == 0:
        return n * math.log1p(-p)
    if x == n:
        return n * math.log(p)
    lc = (
        _stirlerr(n)
        - _stirlerr(x)
        - _stirlerr(n - x)
        - _bd0(float(x), n * p)
        - _bd0(float(n - x), n * q)
    )
    lf = _LN_2PI + math.log(x) + math.log1p(-x / n)
    return lc - 0.5 * lf


def _as_count(value: int, name: str) -> int:
    count = operator.index(value)
    if count < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {count}")
    return count


def binomial_upper_tail(n: int, x: int, p: float) -> float:
    """P(X ≥ x) for X ~ Binomial(n, p), accurate to ~1e-13 relative, including tiny tails.

    Non-increasing in ``x``. Returns 0.0 only when the value is below the float range
    (about 2.5e-324).
    """
    n = _as_count(n, "n")
    x = operator.index(x)
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    if x <= 0:
        return 1.0
    if x > n or p == 0.0:
        return 0.0
    if p == 1.0:
        return 1.0
    q = 1.0 - p
    odds = p / q
    mode = math.floor((n + 1) * p)
    if x > mode:
        # Terms decrease from x upward: sum them directly, scaled by the first one.
        log_first = _log_binom_pmf(x, n, p, q)
        total = term = 1.0
        j = x
        while j < n:
            ratio = (n - j) / (j + 1) * odds
            term *= ratio
            total += term
            j += 1
            # The ratios keep decreasing, so the rest is at most term·ratio/(1 − ratio).
            if ratio < 1.0 and term * ratio < (1.0 - ratio) * total * _TAIL_EPS:
                break
        return math.exp(log_first + math.log(total))
    # x ≤ mode: 1 − P(X ≤ x − 1), whose terms decrease from x − 1 downward.
    log_first = _log_binom_pmf(x - 1, n, p, q)
    total = term = 1.0
    j = x - 1
    while j > 0:
        ratio = j / (n - j + 1) / odds
        term *= ratio
        total += term
        j -= 1
        if ratio < 1.0 and term * ratio < (1.0 - ratio) * total * _TAIL_EPS:
            break
    return max(0.0, 1.0 - math.exp(log_first + math.log(total)))


def poisson_rise_pvalue(current: int, baseline: Sequence[int]) -> float:
    """One-sided exact p-value for "this week's Poisson count is higher than the baseline weeks".

    Conditional test: under equal weekly rates, given n = current + Σ baseline, the current
    count is Binomial(n, 1/(k+1)) with k = len(baseline); the p-value is P(X ≥ current).
    Zero baselines are fine (current 12 against eight zero weeks gives 9⁻¹²).
    """
    current = _as_count(current, "current")
    k = len(baseline)
    if k == 0:
        raise ValueError("at least one baseline week is needed")
    total = current + sum(_as_count(b, "baseline count") for b in baseline)
    return binomial_upper_tail(total, current, 1.0 / (k + 1))


# --- Benjamini–Hochberg ------------------------------------------------------------------


def bh_qvalues(p_values: Iterable[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (q-values), in the order given.

    q_(i) = min over j ≥ i of min(1, p_(j)·m/j) for the p-values sorted ascending; rejecting
    every hypothesis with q ≤ α is the BH step-up procedure at false-discovery rate α.
    """
    ps = [float(p) for p in p_values]
    for p in ps:
        if not 0.0 <= p <= 1.0:  # also rejects NaN
            raise ValueError(f"p-values must be in [0, 1], got {p}")
    m = len(ps)
    order = sorted(range(m), key=ps.__getitem__)
    qs = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, ps[i] * m / rank)
        qs[i] = running
    return qs


def bh_significant(p_values: Iterable[float], fdr: float = DEFAULT_FDR) -> list[bool]:
    """Which hypotheses the BH procedure rejects at false-discovery rate ``fdr``."""
    _check_fdr(fdr)
    return [q <= fdr for q in bh_qvalues(p_values)]


def _check_fdr(fdr: float) -> None:
    if not 0.0 < fdr < 1.0:
        raise ValueError(f"fdr must be in (0, 1), got {fdr}")


# --- weekly scan -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hotspot(Generic[K]):
    """A cell flagged this week. ``ratio`` is ``math.inf`` when the baseline is all zeros."""

    key: K
    current: int
    baseline_mean: float
    ratio: float
    p_value: float
    q_value: float
    baseline_weeks_used: int
    baseline_total: int


@dataclass(frozen=True, slots=True)
class HotspotScan(Generic[K]):
    """The hotspots of one week and the numbers the report states next to them."""

    hotspots: tuple[Hotspot[K], ...]
    examined: int  # cells given
    tested: int  # cells in the BH family: current ≥ min_count and ≥ 1 baseline week
    below_min_count: int  # examined, not tested: current < min_count
    no_baseline: int  # examined, not tested: current ≥ min_count but no earlier week
    significant: int  # tested cells with q ≤ fdr, before the ratio floor
    baseline_weeks: int
    min_count: int
    min_ratio: float
    fdr: float

    @property
    def method_text(self) -> str:
        return method_text(
            baseline_weeks=self.baseline_weeks,
            min_count=self.min_count,
            min_ratio=self.min_ratio,
            fdr=self.fdr,
        )


def scan_hotspots(
    cells: Mapping[K, Sequence[int]],
    *,
    baseline_weeks: int = DEFAULT_BASELINE_WEEKS,
    min_count: int = DEFAULT_MIN_COUNT,
    min_ratio: float = DEFAULT_MIN_RATIO,
    fdr: float = DEFAULT_FDR,
) -> HotspotScan[K]:
    """Test every cell, adjust with BH and apply the floors; see the module docstring.

    Each value of ``cells`` is the weekly counts oldest → newest, this week last. The last
    ``baseline_weeks`` weeks before it are the baseline; a shorter series uses what it has
    (a series that predates a cell's existence should be cut, not padded with zeros).
    """
    baseline_weeks = operator.index(baseline_weeks)
    if baseline_weeks < 1:
        raise ValueError("baseline_weeks must be at least 1")
    min_count = _as_count(min_count, "min_count")
    _check_fdr(fdr)
    floor = Fraction(str(min_ratio))  # decimal meaning: 1.1 is 11/10, not the binary double
    if floor < 0:
        raise ValueError(f"min_ratio must be non-negative, got {min_ratio}")

    below = no_base = 0
    tested: list[tuple[K, int, int, int]] = []  # key, current, baseline total, weeks
    for key, series in cells.items():
        if len(series) == 0:
            raise ValueError(f"cell {key!r} has no weeks")
        current = _as_count(series[-1], "current")
        baseline = series[max(0, len(series) - 1 - baseline_weeks) : -1]
        if current < min_count:
            below += 1
            continue
        if not baseline:
            no_base += 1
            continue
        total = sum(_as_count(b, "baseline count") for b in baseline)
        tested.append((key, current, total, len(baseline)))

    p_values = [binomial_upper_tail(c + t, c, 1.0 / (k + 1)) for _, c, t, k in tested]
    q_values = bh_qvalues(p_values)

    significant = 0
    hotspots: list[Hotspot[K]] = []
    for (key, current, total, k), p, q in zip(tested, p_values, q_values, strict=True):
        if q > fdr:
            continue
        significant += 1
        if current * k < floor * total:  # current < min_ratio × baseline mean, exactly
            continue
        mean = total / k
        hotspots.append(
            Hotspot(
                key=key,
                current=current,
                baseline_mean=mean,
                ratio=current / mean if total else math.inf,
                p_value=p,
                q_value=q,
                baseline_weeks_used=k,
                baseline_total=total,
            )
        )
    hotspots.sort(key=lambda h: (h.q_value, -h.ratio, -h.current))
    return HotspotScan(
        hotspots=tuple(hotspots),
        examined=len(cells),
        tested=len(tested),
        below_min_count=below,
        no_baseline=no_base,
        significant=significant,
        baseline_weeks=baseline_weeks,
        min_count=min_count,
        min_ratio=float(min_ratio),
        fdr=float(fdr),
    )


def find_hotspots(
    cells: Mapping[K, Sequence[int]],
    *,
    baseline_weeks: int = DEFAULT_BASELINE_WEEKS,
    min_count: int = DEFAULT_MIN_COUNT,
    min_ratio: float = DEFAULT_MIN_RATIO,
    fdr: float = DEFAULT_FDR,
) -> list[Hotspot[K]]:
    """The week's hotspots, by q-value then ratio (highest first); ``scan_hotspots`` for the
    counts of cells examined and tested."""
    scan = scan_hotspots(
        cells,
        baseline_weeks=baseline_weeks,
        min_count=min_count,
        min_ratio=min_ratio,
        fdr=fdr,
    )
    return list(scan.hotspots)


# --- 方法说明 -----------------------------------------------------------------------------


def method_text(
    *,
    baseline_weeks: int = DEFAULT_BASELINE_WEEKS,
    min_count: int = DEFAULT_MIN_COUNT,
    min_ratio: float = DEFAULT_MIN_RATIO,
    fdr: float = DEFAULT_FDR,
) -> str:
    """The report's methodology paragraph (方法说明) for the given thresholds."""
    return (
        f"本周热点按“街道 × 一级分类”逐格检验。基线为本周之前的 {baseline_weeks} 周"
        f"（数据起始阶段不足 {baseline_weeks} 周的，按实际周数计算）。"
        "假定各周诉求件数服从泊松分布，采用比较两个泊松率的单侧条件精确检验："
        "若本周与基线各周的诉求率相同，则在本周与基线合计件数给定时，"
        "本周件数服从二项分布 B(n, 1/(k+1))（k 为基线周数），"
        "p 值为本周件数不低于实际件数的概率。"
        f"只有本周不少于 {min_count} 件、可以公开的单元格参加检验，"
        f"其余单元格只计入检查总数；对参加检验的全部单元格用 Benjamini–Hochberg 方法"
        f"把错误发现率控制在 {fdr * 100:g}%，即在上述假定下，"
        f"列出的热点中由随机波动造成的误报预期不超过 {fdr * 100:g}%。"
        f"同时满足以下三项才列为热点：校正后的 q 值不超过 {fdr:g}；"
        f"本周不少于 {min_count} 件；本周件数不低于基线周均值的 {min_ratio:g} 倍"
        "（基线为零时视为满足），以免把量大但只小幅上升的单元格列入。"
        "局限：统计的是诉求件数，不是问题个数，一次突发事件、多人反映同一问题"
        "或同一来电人重复来电都可能造成激增；检验假定各周条件相同，"
        "未扣除节假日、季节、天气等因素，实际波动往往大于泊松分布的假定；"
        "热点只提示值得关注的上升，供“未诉先办”参考，不代表对相关部门工作的评价。"
    )


METHOD_TEXT = method_text()
