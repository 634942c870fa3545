"""The pages in a real browser: headless Chromium renders them, takes screenshots (kept in
tests/artifacts/) and dumps the DOM it built, which is checked here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hotline.extensions import db
from hotline.models.reports import TopicStatus
from hotline.reports import topics
from tests.portal.browser import LiveServer, dump_dom, screenshot

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


class Recorder:
    """WSGI middleware noting every path the browser asked for and its status."""

    def __init__(self, app):
        self.app, self.seen = app, {}

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")

        def recording_start(status, headers, *args):
            self.seen[path] = int(status.split()[0])
            return start_response(status, headers, *args)

        return self.app(environ, recording_start)


@pytest.fixture
def site(app, publish, reports_world):
    topics.create_topic(
        year=2025,
        month=6,
        title="<script>alert(1)</script>老旧小区加装电梯",
        lead_department="市住房城乡建设委",
        status=TopicStatus.IN_PROGRESS,
        summary="已完成方案编制。",
    )
    db.session.commit()
    publish("2025")
    publish("2025-06")
    recorder = Recorder(app.wsgi_app)
    app.wsgi_app = recorder
    with LiveServer(app) as server:
        yield server, recorder


def test_yearly_report_in_chromium(site, tmp_path):
    server, recorder = site
    url = server.url("/reports/2025/v1")
    shot = screenshot(url, ARTIFACTS / "portal-report.png", tmp_path / "profile", (1280, 2000))
    assert shot.stat().st_size > 60_000  # a page with text and charts, not a blank one
    assert recorder.seen["/reports/2025/v1"] == 200
    assert recorder.seen["/static/portal/portal.css"] == 200

    dom = dump_dom(url, tmp_path / "profile")
    assert "北京市12345市民服务热线2025年度接诉即办工作报告" in dom
    for heading in ("一、总体情况", "五、各区比较", "十一、方法说明", "十二、下载与引用"):
        assert heading in dom
    assert len(re.findall(r"<svg[^>]+role=\"img\"", dom)) == 8
    assert len(re.findall(r"<desc id=", dom)) == 8
    assert len(re.findall(r"<table class=\"data\"", dom)) >= 12
    assert "<script" not in dom  # the topic's title stayed text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;老旧小区加装电梯" in dom
    assert "SHA-256：" in dom


def test_monthly_page_and_phone_width_in_chromium(site, tmp_path):
    server, _ = site
    url = server.url("/reports/2025-06")
    screenshot(url, ARTIFACTS / "portal-month.png", tmp_path / "profile", (1280, 2000))
    phone = screenshot(url, ARTIFACTS / "portal-month-phone.png", tmp_path / "profile", (390, 1600))
    assert phone.stat().st_size > 30_000
    dom = dump_dom(url, tmp_path / "profile")
    for name in ("先进类", "进步类", "整改类", "治理类"):
        assert f"{name}（" in dom
    assert "月度通报（月通报）" in dom
