"""The publisher's endpoints: who may call them, and the draft → preview → publish →
correction walk-through, with the 每月一题 topics."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.workbench.helpers import API

ENDPOINTS = [
    ("get", "/reports"),
    ("post", "/reports/drafts"),
    ("get", "/reports/editions/1"),
    ("delete", "/reports/editions/1"),
    ("post", "/reports/editions/1/publish"),
    ("post", "/reports/editions/1/corrections"),
    ("get", "/reports/topics"),
    ("post", "/reports/topics"),
    ("patch", "/reports/topics/1"),
    ("delete", "/reports/topics/1"),
]
OTHER_ROLES = [
    "agent",
    "dispatcher",
    "supervisor",
    "privacy",
    "admin",
    "h_wangjing",
]


def test_anonymous_callers_are_refused(client, world):
    for method, path in ENDPOINTS:
        resp = getattr(client, method)(API + path, json={})
        assert resp.status_code == 401, (method, path)
        assert resp.get_json()["error"]["message"] == "请先登录"


@pytest.mark.parametrize("username", OTHER_ROLES)
def test_only_publishers_may_call(client, staff_headers, username):
    """Every endpoint × every other role (one test per role: the world is built once)."""
    for method, path in ENDPOINTS:
        resp = getattr(client, method)(API + path, json={}, headers=staff_headers(username))
        assert resp.status_code == 403, (username, method, path)
        assert resp.get_json()["error"]["code"] == "role_forbidden"


def _path(url: str) -> str:
    return urlsplit(url).path


def test_draft_preview_publish_and_correct(client, staff_headers, reports_world):
    pub = staff_headers("publisher")
    resp = client.post(f"{API}/reports/drafts", json={"year": 2025}, headers=pub)
    assert resp.status_code == 201, resp.get_json()
    draft = resp.get_json()
    assert draft["status"] == "draft"
    assert draft["version"] is None
    assert draft["headline"]["summary"]["current"]["received"] == 597
    assert "url" not in draft

    preview = client.get(_path(draft["preview_url"]))
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "草稿预览" in html
    assert preview.headers["Cache-Control"] == "no-store"
    assert client.get(_path(draft["preview_url"]) + "/districts.csv").status_code == 200
    assert client.get("/reports/2025").status_code == 404  # not public yet

    resp = client.post(f"{API}/reports/editions/{draft['id']}/publish", json={}, headers=pub)
    assert resp.status_code == 200, resp.get_json()
    published = resp.get_json()
    assert published["version"] == 1
    assert published["url"] == "http://localhost/reports/2025/v1"
    assert client.get("/reports/2025/v1").status_code == 200
    # The preview link of a published edition no longer previews anything.
    assert client.get(_path(draft["preview_url"])).status_code == 404

    again = client.post(f"{API}/reports/editions/{draft['id']}/publish", json={}, headers=pub)
    assert again.status_code == 409

    resp = client.post(f"{API}/reports/drafts", json={"year": 2025}, headers=pub)
    plain = resp.get_json()
    resp = client.post(f"{API}/reports/editions/{plain['id']}/publish", json={}, headers=pub)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == "erratum_required"

    resp = client.post(
        f"{API}/reports/editions/{published['id']}/corrections",
        json={"erratum": "更正海淀区派单量。"},
        headers=pub,
    )
    assert resp.status_code == 201
    correction = resp.get_json()
    assert correction["id"] == plain["id"]  # one draft per report: it becomes the correction
    assert correction["supersedes_id"] == published["id"]
    resp = client.post(f"{API}/reports/editions/{correction['id']}/publish", json={}, headers=pub)
    assert resp.get_json()["version"] == 2
    assert "已被更正" in client.get("/reports/2025/v1").get_data(as_text=True)

    listing = client.get(f"{API}/reports", headers=pub).get_json()["items"]
    assert [(e["version"], e["status"]) for e in listing[0]["editions"]] == [
        (1, "published"),
        (2, "published"),
    ]


def test_preview_links_expire(make_app, reports_world):
    from hotline.reports import editions
    from hotline.reports.periods import Period

    draft = editions.build_draft(Period.parse("2025"))
    editions.db.session.commit()
    token = editions.preview_token(draft, reports_world.world.users["publisher"].id)
    editions.db.session.commit()  # giving the link is recorded in the caller's transaction
    assert reports_world  # the same database, another app whose links last no time
    expired = make_app(REPORT_PREVIEW_TTL_SECONDS=-1)
    with expired.app_context():
        assert expired.test_client().get(f"/reports/preview/{token}").status_code == 404
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    fresh = make_app()
    with fresh.app_context():
        client = fresh.test_client()
        assert client.get(f"/reports/preview/{token}").status_code == 200
        assert client.get(f"/reports/preview/{tampered}").status_code == 404


def test_bad_input_is_refused_in_chinese(client, staff_headers, world):
    pub = staff_headers("publisher")
    resp = client.post(f"{API}/reports/drafts", json={"year": 2025, "month": 13}, headers=pub)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"]["fields"]["month"] == ["月份应为 1 到 12"]
    resp = client.post(f"{API}/reports/drafts", json={"year": 2999}, headers=pub)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == "period_not_started"
    resp = client.get(f"{API}/reports/editions/999", headers=pub)
    assert resp.status_code == 404


def test_topics_are_kept_by_the_publisher_and_copied_into_reports(
    client, staff_headers, reports_world
):
    pub = staff_headers("publisher")
    body = {
        "year": 2025,
        "month": 6,
        "title": "老旧小区加装电梯",
        "lead_department": "市住房城乡建设委",
        "summary": "已完成方案编制。",
    }
    resp = client.post(f"{API}/reports/topics", json=body, headers=pub)
    assert resp.status_code == 201
    topic = resp.get_json()
    assert (topic["status"], topic["status_label"]) == ("planned", "未启动")

    resp = client.patch(
        f"{API}/reports/topics/{topic['id']}", json={"status": "completed"}, headers=pub
    )
    assert resp.get_json()["status_label"] == "已完成"
    assert resp.get_json()["title"] == "老旧小区加装电梯"
    bad = client.patch(f"{API}/reports/topics/{topic['id']}", json={"status": "x"}, headers=pub)
    assert bad.status_code == 422

    items = client.get(f"{API}/reports/topics?year=2025", headers=pub).get_json()["items"]
    assert [t["title"] for t in items] == ["老旧小区加装电梯"]

    draft = client.post(f"{API}/reports/drafts", json={"year": 2025, "month": 6}, headers=pub)
    page = client.get(_path(draft.get_json()["preview_url"])).get_data(as_text=True)
    assert "老旧小区加装电梯" in page
    assert "已完成" in page

    assert client.delete(f"{API}/reports/topics/{topic['id']}", headers=pub).status_code == 204
    assert client.get(f"{API}/reports/topics", headers=pub).get_json()["items"] == []
