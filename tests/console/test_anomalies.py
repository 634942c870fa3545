"""The anomalies page flags bursts, off-hours reads, confidential and unassigned reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.extensions import db
from privacy import access
from privacy.accesslog import AccessContext

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def read_at(world, monkeypatch):
    """``read_at(beijing_hour, username, order)``: a logged read at that hour yesterday."""

    def run(hour, username, order):
        day = datetime.now(SHANGHAI) - timedelta(days=1)
        at = day.replace(hour=hour, minute=30, second=0, microsecond=0).astimezone(UTC)
        monkeypatch.setattr("privacy.accesslog.utcnow", lambda: at)
        user = world.users[username]
        ctx = AccessContext.for_staff(user.id, user.role, user.unit_id)
        access.reveal(
            db.session, order, ["requester_phone"], ctx=ctx.for_order(order.id, order.order_no)
        )
        db.session.commit()

    return run


def section(html: str, title: str) -> str:
    start = html.index(title)
    end = html.find("<h2>", start + 1)
    return html[start : end if end > 0 else None]


def test_anomalies_are_flagged(app, client, officer, make_order, read_at, world):
    app.config["CONSOLE_ANOMALY_READS_PER_HOUR"] = 3
    order = make_order()
    secret = make_order({"phone": "13900002222"}, confidential=True)
    for _ in range(4):
        read_at(10, "agent", order)  # a burst, in working hours
    read_at(23, "dispatcher", order)  # late at night
    read_at(11, "agent", secret)  # a confidential order
    read_at(14, "h_jiuxianqiao", order)  # not assigned to that unit
    html = client.get("/privacy/console/anomalies").get_data(as_text=True)
    assert "staff:" not in html  # people by name and username, never the log's ids
    agent = '王建国</a> <span class="username">agent</span>'
    bursts = section(html, "短时间大量查看明文")
    assert agent in bursts
    assert 'href="/privacy/console/?actor=agent"' in bursts
    assert "（每小时）</td><td>4</td>" in bursts
    off_hours = section(html, "工作时间以外的查看")
    assert "23:30:00" in off_hours
    assert "10:30:00" not in off_hours
    confidential = section(html, "查看保密工单")
    assert secret.order_no in confidential
    assert f">{order.order_no}<" not in confidential
    unassigned = section(html, "查看非本单位承办的工单")
    assert '<span class="username">h_jiuxianqiao</span>' in unassigned
    assert "<td>承办人员</td><td>北京市朝阳区酒仙桥街道办事处</td>" in unassigned
    assert agent not in unassigned
    assert "<td>电话</td>" in unassigned  # the field by its Chinese name


def test_quiet_log_has_no_anomalies(client, officer):
    html = client.get("/privacy/console/anomalies").get_data(as_text=True)
    assert html.count("无</td>") == 1
    assert "没有符合条件的记录" in html


def test_a_cut_list_says_how_many_there_are_in_all(
    client, officer, make_order, read_at, monkeypatch
):
    order = make_order()
    for hour in (22, 23, 6):
        read_at(hour, "dispatcher", order)
    read_at(10, "dispatcher", order)
    monkeypatch.setattr("hotline.services.privacy_office.anomalies.LIMIT", 2)
    html = client.get("/privacy/console/anomalies").get_data(as_text=True)
    off_hours = section(html, "工作时间以外的查看")
    assert "共 3 条，仅列出最新的 2 条" in off_hours
    assert off_hours.count(f">{order.order_no}<") == 2
    assert "共 0 条</p>" in section(html, "查看保密工单")
