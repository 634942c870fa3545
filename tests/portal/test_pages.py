"""The public pages and downloads, read as a journalist would."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from urllib.parse import unquote

import pytest
from flask import current_app
from sqlalchemy import delete

from hotline.extensions import db
from hotline.models.orders import Order, Rating
from hotline.models.reports import TopicStatus
from hotline.reports import editions, topics
from portal.cache import clear as clear_caches

SECTIONS = (
    "一、总体情况",
    "二、受理趋势",
    "三、渠道与诉求类型",
    "四、诉求分类",
    "五、各区比较",
    "六、街道乡镇",
    "七、承办单位与三率",
    "八、同比比较",
    "九、街道乡镇排名",
    "十、每月一题",
    "十一、方法说明",
    "十二、下载与引用",
)


def test_index_lists_reports_by_year(client, publish):
    publish("2025")
    publish("2025-06")
    publish("2024")
    html = client.get("/reports/").get_data(as_text=True)
    assert html.index("2025年") < html.index("2024年")
    assert 'href="/reports/2025"' in html
    assert 'href="/reports/2025-06"' in html
    assert "6月" in html
    assert 'href="/reports/2024"' in html


def test_every_portal_page_leads_citizens_to_their_own_requests(client, publish):
    publish("2025")
    for path in ("/reports/", "/reports/2025"):
        html = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert '<a href="/m/">查询我的诉求</a>' in html
    assert client.get("/m/").status_code == 200


def test_report_page_has_sections_charts_tables_and_methodology(client, publish):
    edition = publish("2025")
    resp = client.get("/reports/2025/v1")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/html")
    html = resp.get_data(as_text=True)
    for heading in SECTIONS:
        assert heading in html
    assert "北京市12345市民服务热线2025年度接诉即办工作报告" in html
    assert edition.sha256 in html
    # Charts: server-side SVG, each named by its title and text alternative, with its table.
    svgs = re.findall(r'<svg class="chart-svg"[^>]*aria-labelledby="([^"]+)"', html)
    assert len(svgs) == 8
    for ids in svgs:
        title_id, desc_id = ids.split()
        assert f'<title id="{title_id}">' in html
        assert f'<desc id="{desc_id}">' in html
    for figure in re.findall(r'<figure class="chart[^"]*".*?</figure>', html, re.S):
        assert "<svg" in figure
        if "single" not in figure:
            assert "<table" in figure
    assert "条形图，受理渠道：电话" in html
    # Methodology with the configured weights and the suppression rule.
    assert "100 ×（0.3 × 响应率 + 0.35 × 解决率 + 0.35 × 满意率）" in html
    assert "1至9件显示为“&lt;10”" in html
    # No inline script or style (the CSP forbids both), and responsive, printable CSS.
    assert "<script" not in html
    assert "style=" not in html
    assert 'name="viewport"' in html
    with client.get(re.search(r'href="(/static/portal/portal.css\?v=\w+)"', html)[1]) as css:
        assert css.status_code == 200
        assert b"@media print" in css.data
        assert b"@media (max-width" in css.data


def test_monthly_page_shows_the_ranking_classes(client, publish):
    publish("2025-06")
    html = client.get("/reports/2025-06").get_data(as_text=True)
    assert "2025年6月接诉即办工作通报" in html
    assert "月度通报（月通报）" in html
    for name in ("先进类", "进步类", "整改类", "治理类"):
        assert f"{name}（" in html
    assert "八、环比比较" in html
    assert "海淀区中关村街道" in html


def test_a_month_without_ranked_streets_says_so(client, publish):
    publish("2025-02")  # a quiet month: no street has 10 rated orders
    html = client.get("/reports/2025-02").get_data(as_text=True)
    assert "本月没有街道乡镇达到排名条件" in html


def test_every_table_downloads_as_csv_that_excel_reads(client, publish):
    publish("2025")
    data = json.loads(client.get("/reports/2025/v1/data.json").data)
    assert set(data["tables"]) >= {"districts", "streets", "channels", "topics", "monthly"}
    for table_id, table in data["tables"].items():
        resp = client.get(f"/reports/2025/v1/{table_id}.csv")
        assert resp.status_code == 200, table_id
        assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert resp.data.startswith(b"\xef\xbb\xbf")  # the BOM
        rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
        assert rows[0] == [c["label"] for c in table["columns"]]
        assert len(rows) == len(table["rows"]) + 1
        disposition = resp.headers["Content-Disposition"]
        assert f'filename="report-2025-v1-{table_id}.csv"' in disposition
        name = unquote(disposition.split("filename*=UTF-8''")[1])
        assert name == f"{data['report']['title']}-第1版-{table['title']}.csv"
    districts = client.get("/reports/2025/v1/districts.csv").data.decode("utf-8-sig")
    first = list(csv.DictReader(io.StringIO(districts)))[0]
    assert first["区"] == "朝阳区"
    assert first["受理量（件）"] == str(data["tables"]["districts"]["rows"][0]["received"])


def test_json_download_is_the_hashed_bytes_with_a_data_dictionary(client, publish):
    edition = publish("2025")
    resp = client.get("/reports/2025/v1/data.json")
    assert hashlib.sha256(resp.data).hexdigest() == edition.sha256
    assert resp.headers["X-Content-SHA256"] == edition.sha256
    data = json.loads(resp.data)
    assert data["dictionary"]["<10"].startswith("区级以下")
    columns = data["tables"]["districts"]["columns"]
    assert columns[1]["key"] == "district_code"  # downloads carry the codes
    column = columns[6]
    assert column == {
        "key": "response_rate",
        "label": "响应率（%）",
        "type": "percent",
        "description": "按时联系诉求人的派单件数 ÷ 派单件数 × 100",
    }
    assert data["rules"]["composite_weights"] == {
        "response": 0.3,
        "resolution": 0.35,
        "satisfaction": 0.35,
    }


def test_citation_line(client, publish):
    edition = publish("2025")
    html = client.get("/reports/2025").get_data(as_text=True)
    citation = re.search(r'<p class="citation">(.*?)</p>', html)[1]
    date = edition.published_at.astimezone().strftime("%Y")
    assert citation.startswith("北京市12345市民服务热线2025年度接诉即办工作报告，第1版，")
    assert date in citation
    assert "http://localhost/reports/2025/v1" in citation
    assert f"SHA-256：{edition.sha256}" in citation
    assert '<link rel="canonical" href="http://localhost/reports/2025/v1">' in html


def test_user_supplied_text_is_escaped(client, publish, reports_world):
    topics.create_topic(
        year=2025,
        month=6,
        title="<script>alert(1)</script>",
        lead_department='<img src=x onerror="alert(2)">',
        status=TopicStatus.IN_PROGRESS,
        summary="<b>粗体</b> & 引号\"'",
    )
    reports_world.places["streets"]["badaling"].name = "<svg onload=alert(3)>"
    reports_world.places["categories"]["bus"].name = "</title><script>alert(4)</script>"
    db.session.commit()
    publish("2025")
    publish("2025-06")
    for url in ("/reports/2025", "/reports/2025-06"):
        html = client.get(url).get_data(as_text=True)
        assert "<script" not in html
        assert "<img src=x" not in html
        assert "<svg onload" not in html
        assert "</title><script>" not in html
        assert "<b>粗体</b>" not in html
    html = client.get("/reports/2025").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;/title&gt;&lt;script&gt;alert(4)&lt;/script&gt;" in html  # in the SVG too
    assert "&lt;svg onload=alert(3)&gt;" in html


def test_csv_cells_cannot_smuggle_spreadsheet_formulas(client, publish, reports_world):
    topics.create_topic(
        year=2025, month=6, title='=HYPERLINK("http://evil.example","点我")', summary="-1+1"
    )
    db.session.commit()
    publish("2025")
    text = client.get("/reports/2025/v1/topics.csv").data.decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[1] == '\'=HYPERLINK("http://evil.example","点我")'
    assert row[4] == "'-1+1"
    comparison = client.get("/reports/2025/v1/comparison.csv").data.decode("utf-8-sig")
    assert "'-" not in comparison  # numbers, negative ones too, stay numbers


def test_pages_render_from_the_snapshot_not_the_orders(client, publish):
    publish("2025")
    before = client.get("/reports/2025/v1").data
    db.session.execute(delete(Rating))
    db.session.execute(delete(Order))
    db.session.commit()
    clear_caches(current_app)
    assert client.get("/reports/2025/v1").data == before


def test_caching_headers_and_conditional_requests(client, publish):
    edition = publish("2025")
    resp = client.get("/reports/2025/v1")
    assert resp.headers["Cache-Control"] == "public, max-age=300"
    etag = resp.headers["ETag"]
    assert edition.sha256 in etag
    again = client.get("/reports/2025/v1", headers={"If-None-Match": etag})
    assert again.status_code == 304
    data = client.get("/reports/2025/v1/data.json")
    assert data.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Content-Security-Policy" in resp.headers


@pytest.mark.parametrize(
    "path",
    [
        "/reports/2025",  # only a month of 2025 is published, not the year
        "/reports/2025/v1",
        "/reports/2025-06/v2",
        "/reports/2025-6",
        "/reports/2025-13",
        "/reports/abcd",
        "/reports/2025-06/v1/nope.csv",
        "/reports/2024/v1/data.json",
        "/reports/preview/not-a-token",
    ],
)
def test_what_is_not_published_is_not_found(client, publish, path):
    publish("2025-06")
    assert client.get("/reports/2025-06/v1").status_code == 200
    assert client.get(path).status_code == 404


def test_the_micro_cache_replays_public_pages_only(client, publish):
    publish("2025")
    first = client.get("/reports/2025/v1")
    assert "X-Request-Id" in first.headers  # rendered by the app
    again = client.get("/reports/2025/v1")
    assert again.data == first.data
    assert "X-Request-Id" not in again.headers  # replayed in front of the app
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "ETag", "Cache-Control"):
        assert again.headers[name] == first.headers[name]
    etag = first.headers["ETag"]
    assert client.get("/reports/2025/v1", headers={"If-None-Match": etag}).status_code == 304
    # Not replayed: a query string, a cookie, errors.
    assert "X-Request-Id" in client.get("/reports/2025/v1?x=1").headers
    client.set_cookie("session", "x")
    assert "X-Request-Id" in client.get("/reports/2025/v1").headers
    client.delete_cookie("session")
    client.get("/reports/2031")
    assert "X-Request-Id" in client.get("/reports/2031").headers


def test_publishing_a_correction_shows_at_once_in_this_process(client, publish):
    first = publish("2025")
    assert "本版本已被更正" not in client.get("/reports/2025/v1").get_data(as_text=True)
    assert "本版本已被更正" not in client.get("/reports/2025/v1").get_data(as_text=True)
    editions.publish(editions.start_correction(first, "更正说明"))
    db.session.commit()
    assert "本版本已被更正" in client.get("/reports/2025/v1").get_data(as_text=True)
    assert "第2版" in client.get("/reports/2025").get_data(as_text=True)


def test_no_micro_cache_when_the_cache_time_is_zero(make_app, publish):
    publish("2025")
    app = make_app(PORTAL_CACHE_SECONDS=0)
    with app.app_context():
        client = app.test_client()
        for _ in range(2):
            assert "X-Request-Id" in client.get("/reports/2025/v1").headers


@pytest.mark.parametrize("path", ["/reports/2025", "/reports/nope/deeper", "/reports/2025-06/v9"])
def test_unknown_portal_paths_get_a_chinese_page(client, publish, path):
    publish("2025-06")
    resp = client.get(path)
    assert resp.status_code == 404
    html = resp.get_data(as_text=True)
    assert "没有找到这个页面" in html
    assert "Not Found" not in html
    assert 'href="/reports/"' in html
    assert 'href="/reports/calendar"' in html
    assert 'class="portal"' in html  # the portal's own look


def test_wide_tables_are_focusable_labelled_scroll_regions(client, publish):
    publish("2025")
    html = client.get("/reports/2025").get_data(as_text=True)
    regions = re.findall(r'<div class="table-wrap[^"]*"([^>]*)>', html)
    assert regions
    for attrs in regions:
        assert 'tabindex="0"' in attrs
        assert 'role="region"' in attrs
        label = re.search(r'aria-labelledby="([^"]+)"', attrs)[1]
        assert f'id="{label}"' in html
    wide = re.search(
        r'<div class="table-wrap wide"[^>]*aria-labelledby="cap-districts"[^>]*>', html
    )
    assert wide is not None
    assert 'aria-describedby="hint-districts"' in wide[0]
    assert "表格较宽：可左右滚动查看全部 13 列" in html
    # Codes are in the downloads, not on the page; district names link to their pages.
    table = html.split('id="table-districts"')[1].split("</table>")[0]
    assert "区划代码" not in table
    assert '<a href="/reports/districts/110108">海淀区</a>' in table
