"""Charts as SVG, drawn on the server: readable without JavaScript and printable.

Each chart has a <title> and a <desc> (its text alternative) that the <svg> names with
aria-labelledby; the page puts the chart's data table right beside it. Styling is by class
only (static/portal/portal.css): the Content-Security-Policy allows no inline style. Every
text that reaches the SVG is escaped.
"""

from __future__ import annotations

import math

from markupsafe import Markup, escape

ROW = 26
LABEL_W = 150
WIDTH = 640
VALUE_W = 90


def _number(value: float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _open(chart_id: str, title: str, desc: str, height: int) -> str:
    cid = escape(chart_id)
    return (
        f'<svg class="chart-svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{cid}-title">{escape(title)}</title>'
        f'<desc id="{cid}-desc">{escape(desc)}</desc>'
    )


def describe_bars(title: str, items: list[tuple[str, float]], unit: str) -> str:
    """The text alternative: what the chart shows, its largest items and the total."""
    if not items:
        return f"{title}：本期无数据。"
    shown = "，".join(f"{label}{_number(v)}{unit}" for label, v in items[:6])
    more = f"，另有{len(items) - 6}项见数据表" if len(items) > 6 else ""
    return f"条形图，{title}：{shown}{more}。"


def bar_chart(chart_id: str, title: str, items: list[tuple[str, float]], unit: str = "") -> Markup:
    """Horizontal bars, one per item, largest scale first as given."""
    height = max(1, len(items)) * ROW + 16
    peak = max((v for _, v in items), default=0) or 1
    span = WIDTH - LABEL_W - VALUE_W
    parts = [_open(chart_id, title, describe_bars(title, items, unit), height)]
    for i, (label, value) in enumerate(items):
        y = 8 + i * ROW
        w = max(1.0, span * value / peak) if value else 0
        parts.append(
            f'<text class="chart-label" x="{LABEL_W - 8}" y="{y + 17}" text-anchor="end">'
            f"{escape(label)}</text>"
            f'<rect class="chart-bar" x="{LABEL_W}" y="{y + 4}" width="{w:.1f}" height="{ROW - 8}">'
            f"<title>{escape(label)}：{escape(_number(value))}{escape(unit)}</title></rect>"
            f'<text class="chart-value" x="{LABEL_W + w + 6:.1f}" y="{y + 17}">'
            f"{escape(_number(value))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  every text in parts went through escape()


def _nice_step(peak: float, ticks: int = 5) -> float:
    raw = max(peak / ticks, 1) if peak > 0 else 1
    magnitude = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):  # counts: whole-number steps
        if raw <= m * magnitude:
            return m * magnitude
    return 10 * magnitude


def describe_lines(
    title: str, labels: list[str], series: list[tuple[str, list]], unit: str = "件"
) -> str:
    if not labels:
        return f"{title}：本期无数据。"
    parts = []
    for name, values in series:
        shown = [i for i, v in enumerate(values) if v is not None]
        if not shown:
            parts.append(f"{name}均不予显示")
            continue
        top = max(shown, key=lambda i: values[i])
        low = min(shown, key=lambda i: values[i])
        parts.append(
            f"{name}最高为{labels[top]}的{_number(values[top])}{unit}，"
            f"最低为{labels[low]}的{_number(values[low])}{unit}"
        )
    return f"折线图，{title}，{labels[0]}至{labels[-1]}：" + "；".join(parts) + "。"


def line_chart(
    chart_id: str,
    title: str,
    labels: list[str],
    series: list[tuple[str, list]],
    tick_every: int = 1,
    unit: str = "件",
) -> Markup:
    """A line per series over the labelled points, with a y axis and a legend. A value of
    None (not shown: too few orders) leaves a gap in its line."""
    height, left, right, top, bottom = 300, 56, 16, 30, 40
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    peak = max((v for _, vals in series for v in vals if v is not None), default=0)
    step = _nice_step(peak)
    y_max = step * max(1, math.ceil(peak / step))
    n = len(labels)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / y_max)

    parts = [_open(chart_id, title, describe_lines(title, labels, series, unit), height)]
    tick = 0.0
    while tick <= y_max + 1e-9:
        parts.append(
            f'<line class="chart-grid" x1="{left}" x2="{WIDTH - right}" '
            f'y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>'
            f'<text class="chart-axis" x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">'
            f"{escape(_number(tick))}</text>"
        )
        tick += step
    for i, label in enumerate(labels):
        if i % tick_every == 0 or i == n - 1:
            parts.append(
                f'<text class="chart-axis" x="{x(i):.1f}" y="{height - bottom + 18}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    for s, (name, values) in enumerate(series):
        for run in _runs(values):
            points = " ".join(f"{x(i):.1f},{y(values[i]):.1f}" for i in run)
            parts.append(f'<polyline class="chart-line chart-series-{s}" points="{points}"/>')
        if n <= 31:
            for i, v in enumerate(values):
                if v is None:
                    continue
                parts.append(
                    f'<circle class="chart-dot chart-series-{s}" cx="{x(i):.1f}" '
                    f'cy="{y(v):.1f}" r="3"><title>{escape(labels[i])} {escape(name)}：'
                    f"{escape(_number(v))}</title></circle>"
                )
        lx = left + s * 130
        parts.append(
            f'<rect class="chart-swatch chart-series-{s}" x="{lx}" y="8" width="14" height="10"/>'
            f'<text class="chart-legend" x="{lx + 20}" y="17">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  every text in parts went through escape()


def _runs(values: list) -> list[list[int]]:
    """Indexes of the consecutive values that are not None."""
    runs: list[list[int]] = []
    for i, v in enumerate(values):
        if v is None:
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs
