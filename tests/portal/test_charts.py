"""The SVG charts and the cell formatting, on their own."""

from __future__ import annotations

import re

import pytest

from portal import charts, present


def test_bar_chart_has_a_title_a_text_alternative_and_escaped_labels():
    svg = charts.bar_chart("c1", "受理渠道", [("电话", 300), ("<b>网站</b>", 100)], "件")
    assert 'role="img"' in svg
    assert 'aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">受理渠道</title>' in svg
    assert (
        '<desc id="c1-desc">条形图，受理渠道：电话300件，&lt;b&gt;网站&lt;/b&gt;100件。</desc>'
        in svg
    )
    assert "<b>" not in svg
    widths = [float(w) for w in re.findall(r'class="chart-bar"[^>]*width="([\d.]+)"', svg)]
    assert widths[0] == pytest.approx(3 * widths[1], abs=0.2)  # bars are to scale
    assert "style=" not in svg  # the CSP allows no inline style


def test_line_chart_axis_uses_whole_numbers_and_describes_the_extremes():
    svg = charts.line_chart("c2", "每日受理量", ["1日", "2日", "3日"], [("受理量", [8, 12, 3])])
    ticks = re.findall(r'class="chart-axis"[^>]*text-anchor="end">([^<]+)<', svg)
    assert ticks == ["0", "5", "10", "15"]
    assert "受理量最高为2日的12件，最低为3日的3件" in svg
    assert svg.count("<circle") == 3


def test_empty_charts_say_so():
    assert "本期无数据" in charts.bar_chart("c3", "空", [])
    assert "本期无数据" in charts.line_chart("c4", "空", [], [("受理量", [])])


def test_cell_formatting():
    assert present.fmt(None) == "—"
    assert present.fmt(1234567) == "1,234,567"
    assert present.fmt(62.25, "percent") == "62.2"
    assert present.fmt(69.0, "score") == "69.00"
    assert present.fmt(69.0, "number") == "69.0"
    assert present.fmt(69.53, "number") == "69.53"
    assert present.fmt("<10") == "<10"
