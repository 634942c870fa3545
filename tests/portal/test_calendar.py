"""The release calendar, on-time publication, and the pre-release access list."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from sqlalchemy import select

from hotline.extensions import db
from hotline.models.reports import DraftAccess, DraftAccessAction
from hotline.reports import editions, schedule
from hotline.reports.periods import Period
from tests.workbench.helpers import API

RULES = {"monthly_working_day": 5, "yearly_by": "01-20", "weekly_working_day": 2}


def test_due_dates_count_working_days_with_the_holiday_arrangements():
    # October 2026: National Day holidays 1–7 October, Saturday 10 October worked (调休).
    assert schedule.due_date(Period.parse("2026-09"), RULES) == date(2026, 10, 13)
    assert schedule.due_date(Period.parse("2026-10"), RULES) == date(2026, 11, 6)
    assert schedule.due_date(Period.parse("2026"), RULES) == date(2027, 1, 20)
    assert schedule.due_date(Period.parse("2026-W48"), RULES) == date(2026, 12, 1)


def test_a_journalist_opens_the_calendar(client, publish):
    publish("2025-06")
    html = client.get("/reports/calendar").get_data(as_text=True)
    assert "发布日程" in html
    upcoming = html.split('id="table-upcoming"')[1].split("</table>")[0]
    rows = re.findall(
        r'<tr><th scope="row">(\d{4}-\d{2}-\d{2})（周.）</th><td>([^<]+)</td>', upcoming
    )
    assert len(rows) >= 12  # twelve monthly editions, and the yearly one when it falls due
    dates = [d for d, _ in rows]
    assert dates == sorted(dates)
    assert any("年度报告" in title for _, title in rows)
    assert all(date.fromisoformat(d).weekday() < 6 for d, _ in rows)
    record = html.split('id="table-record"')[1].split("</table>")[0]
    assert "2025年6月月通报" in record
    assert "2025-07-07" in record  # the 5th working day of July 2025
    assert "逾期" in record  # published today, long after the due date


def test_each_edition_records_whether_it_came_out_on_time(publish, reports_world, client):
    draft = editions.build_draft(Period.parse("2025-06"))
    on_time = editions.publish(draft, now=datetime(2025, 7, 7, 1, 0, tzinfo=UTC))
    db.session.commit()
    assert (on_time.scheduled_for, on_time.on_time) == (date(2025, 7, 7), True)
    late = publish("2025-05")
    assert late.scheduled_for == date(2025, 6, 9)  # Dragon Boat Festival on 31 May–2 June
    assert late.on_time is False
    correction = editions.publish(editions.start_correction(on_time, "更正。"))
    db.session.commit()
    assert (correction.scheduled_for, correction.on_time) == (None, None)
    html = client.get("/reports/2025-06/v1").get_data(as_text=True)
    assert "应于 2025-07-07 前发布，按时发布" in html


def test_who_saw_the_draft_is_listed_on_the_published_edition(client, staff_headers, reports_world):
    pub = staff_headers("publisher")
    draft = client.post(f"{API}/reports/drafts", json={"year": 2025, "month": 6}, headers=pub)
    body = draft.get_json()
    path = urlsplit(body["preview_url"]).path
    preview = client.get(path)
    assert preview.status_code == 200
    assert "本预览链接发给工号 N104（王**）" in preview.get_data(as_text=True)
    client.get(path + "/districts.csv")
    again = client.get(f"{API}/reports/editions/{body['id']}", headers=pub)  # a fresh link
    assert again.status_code == 200
    actions = db.session.scalars(select(DraftAccess.action).order_by(DraftAccess.id)).all()
    assert actions == [
        DraftAccessAction.ISSUED,
        DraftAccessAction.VIEWED,
        DraftAccessAction.VIEWED,
        DraftAccessAction.ISSUED,
    ]
    client.post(f"{API}/reports/editions/{body['id']}/publish", json={}, headers=pub)
    html = client.get("/reports/2025-06").get_data(as_text=True)
    listed = html.split('id="table-access"')[1].split("</table>")[0]
    assert '<th scope="row">N104</th><td>王**</td><td>发布人员</td>' in listed
    assert '<td class="num">2</td>' in listed  # opened twice
    assert "王建国" not in html
    # After publication the link opens nothing, and the list does not grow.
    assert client.get(path).status_code == 404
    assert db.session.scalar(select(db.func.count(DraftAccess.id))) == 4


def test_a_link_without_a_named_recipient_opens_nothing(client, reports_world):
    from itsdangerous import URLSafeTimedSerializer

    draft = editions.build_draft(Period.parse("2025-06"))
    db.session.commit()
    old_style = URLSafeTimedSerializer("test-secret", salt=editions.PREVIEW_SALT).dumps(
        {"e": draft.id, "s": draft.sha256[:16]}
    )
    assert client.get(f"/reports/preview/{old_style}").status_code == 404
