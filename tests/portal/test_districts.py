"""District pages: the monthly series, streets ranked and top categories, each number copied
from a published edition and citing it; downloads with codes."""

from __future__ import annotations

import csv
import io
import json

from hotline.extensions import db
from hotline.reports import editions


def test_a_journalist_opens_a_district_page_and_downloads_its_series(client, publish):
    year = publish("2025")
    june = publish("2025-06")
    report = json.loads(year.data)
    html = client.get("/reports/2025").get_data(as_text=True)
    assert 'href="/reports/districts/110105">朝阳区</a>' in html  # linked from the table

    page = client.get("/reports/districts/110105")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "朝阳区接诉即办情况" in text
    assert text.count('<svg class="chart-svg"') == 2  # volume, and the three rates

    series = client.get("/reports/districts/110105/series.csv")
    assert series.status_code == 200
    assert series.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(series.data.decode("utf-8-sig"))))
    assert [r["月份"] for r in rows] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert {r["区划代码"] for r in rows} == {"110105"}
    # Each month's figures are the edition's own, and the row names that edition.
    for r in rows:
        if r["月份"] == "2025-06":
            source = json.loads(june.data)["tables"]["districts"]["rows"]
            expected = next(d for d in source if d["district_code"] == "110105")
            assert r["来源版本"] == "2025年6月月通报 第1版"
            assert r["版本摘要"] == june.sha256
        else:
            expected = next(
                d
                for d in report["tables"]["district_monthly"]["rows"]
                if d["district_code"] == "110105" and d["month"] == r["月份"]
            )
            assert r["来源版本"] == "2025年年度报告 第1版"
            assert r["版本摘要"] == year.sha256
        assert int(r["受理量（件）"]) == expected["received"]
        rate = expected["response_rate"]
        assert r["响应率（%）"] == ("" if rate is None else str(rate))

    streets = client.get("/reports/districts/110105/streets.csv").data.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(streets)))
    assert "街乡镇代码" in header
    assert "110105001" in streets
    categories = client.get("/reports/districts/110105/categories.csv").data.decode("utf-8-sig")
    assert "030101" in categories or "050101" in categories

    body = json.loads(client.get("/reports/districts/110105/data.json").data)
    assert body["district"] == {"code": "110105", "name": "朝阳区"}
    assert body["sources"]["streets"]["sha256"] == june.sha256
    assert len(body["tables"]["series"]["rows"]) == 12


def test_district_pages_follow_publications(client, publish):
    assert client.get("/reports/districts/110105").status_code == 404
    publish("2025-06")
    assert client.get("/reports/districts/110105").status_code == 200
    index = client.get("/reports/districts/").get_data(as_text=True)
    for name in ("朝阳区", "海淀区", "延庆区"):
        assert name in index
    assert client.get("/reports/districts/999999").status_code == 404
    assert client.get("/reports/districts/110105/nope.csv").status_code == 404


def test_a_correction_reaches_the_district_page(client, publish):
    first = publish("2025-06")
    before = client.get("/reports/districts/110105/series.csv").data.decode("utf-8-sig")
    assert "第1版" in before
    editions.publish(editions.start_correction(first, "更正朝阳区数据。"))
    db.session.commit()
    after = client.get("/reports/districts/110105/series.csv").data.decode("utf-8-sig")
    assert "2025年6月月通报 第2版" in after
