"""Diff of two editions: every changed cell, beside the erratum."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hotline.extensions import db
from hotline.reports import editions
from tests.portal import dataset
from tests.portal.factories import order


def test_a_journalist_diffs_two_editions(client, publish, reports_world):
    first = publish("2025-06")
    # Ten late orders on 3 June in 望京街道 arrive after publication; the correction adds them.
    late = [
        order(datetime(2025, 6, 3, 2, i, tzinfo=UTC), "chaoyang", "wangjing") for i in range(10)
    ]
    dataset.insert_specs(late, reports_world.places, first=100_000)
    editions.publish(editions.start_correction(first, "补录6月3日迟报的10件诉求。"))
    db.session.commit()

    page = client.get("/reports/2025-06/v2/diff/v1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "第1版与第2版" in html
    assert "补录6月3日迟报的10件诉求。" in html  # the erratum beside the changes
    total = re.search(r"共有 (\d+) 个单元格改变", html)
    assert total is not None
    assert int(total[1]) > 0
    # The district row of 朝阳区 changed its count by ten; the day of 3 June too.
    section = html.split('id="h-districts"')[1].split("</section>")[0]
    row = re.search(r"<tr><th scope=\"row\">朝阳区.*?</tr>", section, re.S)
    assert row is not None
    assert "受理量（件）" in row[0]
    old, new = (
        int(v.replace(",", "")) for v in re.findall(r'<td class="num">([\d,]+)</td>', row[0])
    )
    assert new - old == 10
    assert "2025-06-03" in html.split('id="h-daily"')[1].split("</section>")[0]
    # Both directions name the same pair; a version with itself or a missing one is 404.
    assert client.get("/reports/2025-06/v1/diff/v2").status_code == 200
    assert client.get("/reports/2025-06/v1/diff/v1").status_code == 404
    assert client.get("/reports/2025-06/v1/diff/v3").status_code == 404
    assert client.get(f"/reports/2025-06/v1/diff/v{10**30}").status_code == 404
    # The edition's history links to the diff.
    assert 'href="/reports/2025-06/v2/diff/v1"' in client.get("/reports/2025-06").get_data(
        as_text=True
    )


def test_identical_editions_say_so(client, publish):
    first = publish("2025")
    editions.publish(editions.start_correction(first, "仅更正文字。"))
    db.session.commit()
    html = client.get("/reports/2025/v2/diff/v1").get_data(as_text=True)
    assert "共有 0 个单元格改变" in html
    assert "两个版本的数据表完全相同" in html
