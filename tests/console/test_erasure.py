"""Erasure requests in the privacy console: an officer approves (the personal fields, the
free text and the photos go through the retention eraser; the published figures do not
move) or refuses with the retention that applies; the requester sees the decision."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models.attachments import Attachment
from hotline.models.enums import AttachmentState, ErasureStatus
from hotline.models.erasure import ErasureRequest
from hotline.models.orders import Order, OrderEvent
from hotline.reports.builder import build_snapshot
from hotline.reports.periods import Period
from privacy.access import masked
from privacy.models import AccessLogEntry
from privacy.orm import utcnow
from tests.miniapp_api.helpers import API, PHONE, login, make_order
from tests.miniapp_api.test_photos import uploaded

ERASURE = "/privacy/console/erasure"


@pytest.fixture
def app(make_app):
    """The console's app, with the citizen API's capturing SMS sender (the requester logs
    in to ask) and its limits out of the way."""
    from tests.miniapp_api.conftest import ALL_HIGH

    app = make_app(
        SMS_SENDER="tests.miniapp_api.helpers:CapturingSender", CITIZEN_RATE_LIMITS=ALL_HIGH
    )
    with app.app_context():
        yield app


@pytest.fixture
def requested(client, world):
    """The requester's ended orders (one with a photo, a 补充说明 and a withdrawal reason)
    and their pending erasure request; returns (orders, request, headers)."""

    def make():
        headers = login(client, PHONE)
        answered = make_order(world, state="answered", content="咨询居住证办理需要哪些材料。")
        withdrawn = make_order(
            world, state="received", content="楼下施工噪音扰民，晚上十点还在施工。"
        )
        photo_id = uploaded(client, headers)
        assert (
            client.post(
                f"{API}/orders/{withdrawn.order_no}/information",
                json={"text": "补充：我的备用电话13911112222", "photo_ids": [photo_id]},
                headers=headers,
            ).status_code
            == 201
        )
        assert (
            client.post(
                f"{API}/orders/{withdrawn.order_no}/withdraw",
                json={"reason": "施工已经停止"},
                headers=headers,
            ).status_code
            == 201
        )
        still_open = make_order(world, state="accepted", content="路口红绿灯不亮，存在安全隐患。")
        resp = client.post(f"{API}/me/erasure-requests", json={}, headers=headers)
        assert resp.status_code == 201
        req = db.session.scalar(select(ErasureRequest))
        return (answered, withdrawn, still_open), req, headers

    return make


def _decide(officer, req, **form):
    return officer(f"{ERASURE}/{req.id}/decision", form)


def test_the_console_lists_requests_and_shows_their_orders_masked(client, officer, requested):
    (answered, withdrawn, _), req, _ = requested()
    listing = client.get(ERASURE)
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert "共 1 份，待处理 1 份" in html
    assert f'href="{ERASURE}/{req.id}"' in html
    page = client.get(f"{ERASURE}/{req.id}").get_data(as_text=True)
    assert answered.order_no in page
    assert withdrawn.order_no in page
    assert "13911112222" not in page
    assert PHONE not in page
    assert page.count("可删除") == 2
    assert 'name="csrf_token"' in page


def test_approval_erases_personal_data_photos_and_free_text_and_logs_it(
    client, officer, world, requested
):
    (answered, withdrawn, still_open), req, headers = requested()
    resp = _decide(officer, req, decision="approve", note="同意删除")
    assert resp.status_code == 302
    db.session.expire_all()
    for order in (answered, withdrawn):
        order = db.session.get(Order, order.id)
        assert order.personal_erased_at is not None
        assert order.requester_phone is None
        assert order.content is None
        assert order.phone_bidx is None
        events = db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id))
        assert all(e.public_note is None and e.reason is None for e in events)
    kept = db.session.get(Order, still_open.id)
    assert kept.personal_erased_at is None
    assert kept.requester_phone is not None
    att = db.session.scalar(select(Attachment))
    assert att.state == AttachmentState.ERASED
    assert att.full_image is None
    assert att.thumb_image is None
    assert att.owner_phone_bidx is None
    with db.engine.connect() as conn:
        dump = json.dumps(
            [list(map(str, r)) for r in conn.exec_driver_sql("SELECT * FROM order_events")]
        )
    assert "13911112222" not in dump

    req = db.session.get(ErasureRequest, req.id)
    assert req.status == ErasureStatus.APPROVED
    assert req.erased_orders == 2
    officer_id = world.users["privacy"].id
    entries = db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.action == "erase")
    ).all()
    assert {e.order_no for e in entries} == {answered.order_no, withdrawn.order_no}
    assert all(e.actor == f"staff:{officer_id}" for e in entries)
    assert all(e.purpose == f"诉求人申请删除个人信息（删除申请 {req.id}）" for e in entries)
    assert all("attachments.full_image" in e.fields for e in entries)

    # The requester sees the decision; the erased orders are no longer theirs to list.
    item = client.get(f"{API}/me/erasure-requests", headers=headers).get_json()["items"][0]
    assert (item["status"], item["status_label"], item["erased_orders"]) == (
        "approved",
        "已同意并删除",
        2,
    )
    mine = client.get(f"{API}/orders", headers=headers).get_json()["items"]
    assert [o["order_no"] for o in mine] == [still_open.order_no]
    page = client.get(f"{ERASURE}/{req.id}").get_data(as_text=True)
    assert "已同意并删除" in page
    assert 'id="erasure-form"' not in page


def test_approval_leaves_the_published_figures_unchanged(client, officer, requested):
    (answered, _, _), req, _ = requested()
    period = Period.parse(str(answered.received_at.year))
    now = utcnow() + timedelta(minutes=1)
    before = build_snapshot(period, now=now)
    assert before["summary"]["current"]["received"] >= 3
    assert _decide(officer, req, decision="approve").status_code == 302
    db.session.expire_all()
    after = build_snapshot(period, now=now)
    assert json.dumps(after, sort_keys=True, default=str) == json.dumps(
        before, sort_keys=True, default=str
    )


def test_a_refusal_names_the_retention_and_its_period(client, officer, requested):
    (answered, _, _), req, headers = requested()
    for form, message in (
        ({"decision": "refuse"}, "不予删除须说明理由（适用的法定保存要求）"),
        ({"decision": "refuse", "note": "依法保存"}, "不予删除须写明依法保存至哪一天（今天之后）"),
        (
            {"decision": "refuse", "note": "依法保存", "retain_until": "2000-01-01"},
            "不予删除须写明依法保存至哪一天（今天之后）",
        ),
        ({"decision": "refuse", "note": "依法保存", "retain_until": "明年"}, "保存期限应为日期"),
        ({}, "请选择同意或不予删除"),
        ({"decision": "maybe"}, "请选择同意或不予删除"),
    ):
        resp = _decide(officer, req, **form)
        assert resp.status_code in (400, 422), form
        assert message in resp.get_data(as_text=True), form
    db.session.expire_all()
    assert db.session.get(ErasureRequest, req.id).status == ErasureStatus.PENDING

    until = (utcnow() + timedelta(days=3 * 365)).date().isoformat()
    note = "依据《北京市接诉即办工作条例》及档案管理规定，工单资料须保存三年"
    resp = _decide(officer, req, decision="refuse", note=note, retain_until=until)
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, answered.id).personal_erased_at is None
    item = client.get(f"{API}/me/erasure-requests", headers=headers).get_json()["items"][0]
    assert item["status_label"] == "不予删除"
    assert item["decision_note"] == note
    assert item["retain_until"] == until
    assert masked(db.session.get(ErasureRequest, req.id), ("decision_note",))["decision_note"]
    again = _decide(officer, req, decision="approve")
    assert again.status_code == 409
    assert "该删除申请已处理" in again.get_data(as_text=True)


def test_the_decision_needs_the_forms_csrf_token(client, officer, requested):
    _, req, _ = requested()
    resp = client.post(f"{ERASURE}/{req.id}/decision", data={"decision": "approve"})
    assert resp.status_code == 400
    assert db.session.get(ErasureRequest, req.id).status == ErasureStatus.PENDING


@pytest.mark.parametrize("path", ["", "/1"])
def test_only_privacy_officers_reach_the_pages(client, world, enroll, login_form, path):
    assert client.get(f"{ERASURE}{path}").status_code == 302  # to the login page
    assert client.get(f"{ERASURE}/999999").status_code == 302


def test_unknown_request_and_bad_filters(client, officer, requested):
    requested()
    assert client.get(f"{ERASURE}/999999").status_code == 404
    assert client.get(f"{ERASURE}?status=lost").status_code == 400
    assert client.get(f"{ERASURE}?page=0").status_code == 400
    assert "待处理" in client.get(f"{ERASURE}?status=pending").get_data(as_text=True)


def test_nav_links_to_the_requests(client, officer):
    html = client.get("/privacy/console/").get_data(as_text=True)
    assert re.search(rf'href="{ERASURE}"[^>]*>删除申请<', html)
    assert db.session.scalar(select(func.count()).select_from(ErasureRequest)) == 0
