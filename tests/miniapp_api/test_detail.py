"""The 阳光办理 view of one order: full timeline, unit and handler, extensions and
returns, time remaining or overdue; personal data masked even for the owner, internal
notes never, no identity at all on a confidential order."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models.orders import Order
from hotline.services import lifecycle
from hotline.services.actors import Actor
from hotline.services.citizen import view as citizen_view
from privacy.models import AccessLogEntry
from privacy.orm import utcnow
from tests.miniapp_api.helpers import API, INTERNAL, PHONE, login, make_order


def _detail(client, headers, order_no):
    resp = client.get(f"{API}/orders/{order_no}", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json(), resp.get_data(as_text=True)


def test_timeline_unit_handler_and_reply(client, world, citizen):
    order = make_order(world, state="completed")
    body, _ = _detail(client, citizen(), order.order_no)
    assert [e["label"] for e in body["timeline"]] == [
        "受理",
        "派单",
        "签收",
        "联系诉求人",
        "办理进展",
        "办结",
    ]
    assert all(e["occurred_at"].endswith("+08:00") for e in body["timeline"])
    assert body["timeline"][1]["target_unit"] == "北京市朝阳区望京街道办事处"
    assert body["unit"] == {
        "name": "北京市朝阳区望京街道办事处",
        "kind_label": "街道乡镇",
        "service_phone": "010-84721234",
    }
    handler = world.users["h_wangjing"]
    assert body["handler"] == {
        "name": "王**",
        "staff_no": handler.staff_no,
        "service_phone": "010-84721234",
    }
    assert body["reply"] == "已更换电梯主板，恢复运行。"
    assert body["time_limit_label"] == "一般（7天）"
    assert body["overdue"] is False
    assert body["seconds_remaining"] is None
    assert body["rating"]["can_rate"] is True


def test_personal_data_is_masked_even_for_the_owner(client, world, citizen):
    order = make_order(world, content="电梯坏了，请联系我13812345678或邮箱zhang@example.com")
    body, text = _detail(client, citizen(), order.order_no)
    assert body["requester"] == {
        "name": "欧阳**",
        "phone": "138****5678",
        "address": "北京市朝阳区望京街道望京西园三区",  # as typed, up to the building
    }
    assert body["content"] == "电梯坏了，请联系我[手机号]或邮箱[邮箱]"
    for plain in (PHONE, "欧阳娜娜", "望京西园三区5号楼", "zhang@example.com"):
        assert plain not in text


def test_confidential_order_shows_no_identity(client, world, citizen):
    order = make_order(world, confidential=True)
    body, text = _detail(client, citizen(), order.order_no)
    assert body["confidential"] is True
    assert body["requester"] is None
    # The request text is the citizen's own words (redacted of numbers); nothing else in
    # the answer names or locates them.
    rest = text.replace(body["content"], "")
    for plain in ("欧阳", "138****5678", PHONE, "望京西园三区"):
        assert plain not in rest


def test_internal_notes_never_appear_and_public_notes_are_redacted(client, world, citizen):
    order = make_order(
        world, progress_note="已联系业主，其电话 13900001111，身份证 11010519491231002X"
    )
    body, text = _detail(client, citizen(), order.order_no)
    progress = next(e for e in body["timeline"] if e["type"] == "progress")
    assert progress["note"] == "已联系业主，其电话 [手机号]，身份证 [身份证号]"
    assert INTERNAL not in text
    assert "内部" not in text
    assert "internal" not in text


def test_overdue_order(client, world, citizen):
    order = make_order(world, state="accepted", at=utcnow() - timedelta(days=9))
    body, _ = _detail(client, citizen(), order.order_no)
    assert body["overdue"] is True
    assert body["seconds_remaining"] < -86400
    assert 2 * 86400 - 60 < body["overdue_seconds"] < 2 * 86400 + 60


def test_extension_with_reason_and_new_deadline(client, world, citizen):
    order = make_order(world, state="extended")
    body, text = _detail(client, citizen(), order.order_no)
    (ext,) = body["extensions"]
    assert ext["label"] == "延期"
    assert ext["reason"] == "需更换主板，配件到货需时"
    assert ext["new_deadline"] == body["deadline_at"]
    # The request itself is internal deliberation; only the approved extension shows.
    assert "extension_requested" not in text


def test_return_and_redispatch(client, world, citizen):
    order = make_order(world, state="returned")
    body, _ = _detail(client, citizen(), order.order_no)
    assert [e["label"] for e in body["timeline"]] == ["受理", "派单", "退单", "重新派单"]
    (ret,) = body["returns"]
    assert ret["reason"] == "不属于本街道辖区"
    assert ret["unit"] == "北京市朝阳区酒仙桥街道办事处"
    assert body["unit"]["name"] == "北京市朝阳区望京街道办事处"
    assert body["handler"] == {"name": None, "staff_no": None, "service_phone": "010-84721234"}


def test_handler_can_be_switched_off(make_citizen_app, world):
    client = make_citizen_app(CITIZEN_SHOW_HANDLER=False).test_client()
    order = make_order(world)
    body = client.get(f"{API}/orders/{order.order_no}", headers=login(client)).get_json()
    assert body["handler"] is None
    assert body["unit"]["name"] == "北京市朝阳区望京街道办事处"


def test_reading_orders_writes_no_access_log(client, world, citizen):
    order = make_order(world)
    before = db.session.scalar(select(func.count()).select_from(AccessLogEntry))
    headers = citizen()
    _detail(client, headers, order.order_no)
    assert client.get(f"{API}/orders", headers=headers).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(AccessLogEntry)) == before


def test_a_new_step_shows_at_once_although_views_are_cached(client, world, citizen):
    order = make_order(world, state="accepted")
    headers = citizen()
    first, _ = _detail(client, headers, order.order_no)
    again, _ = _detail(client, headers, order.order_no)
    assert again == first
    lifecycle.add_progress(
        db.session.get(Order, order.id), Actor.of(world.users["h_wangjing"]), "已更换控制柜"
    )
    db.session.commit()
    body, _ = _detail(client, headers, order.order_no)
    assert body["timeline"][-1]["note"] == "已更换控制柜"


def test_the_clock_moves_the_cached_view(client, world, citizen, monkeypatch):
    order = make_order(world, completed_days_ago=6.5)
    headers = citizen()
    body, _ = _detail(client, headers, order.order_no)
    assert body["rating"]["can_rate"] is True
    later = utcnow() + timedelta(days=1)
    monkeypatch.setattr(citizen_view, "utcnow", lambda: later)
    body, _ = _detail(client, headers, order.order_no)
    assert body["rating"]["can_rate"] is False
    assert body["rating"]["can_request_reopen"] is False

    open_order = make_order(world, state="accepted", content="小区路灯不亮已经一周了")
    monkeypatch.undo()
    body, _ = _detail(client, headers, open_order.order_no)
    assert body["overdue"] is False
    monkeypatch.setattr(citizen_view, "utcnow", lambda: utcnow() + timedelta(days=30))
    body, _ = _detail(client, headers, open_order.order_no)
    assert body["overdue"] is True
    assert body["overdue_seconds"] > 20 * 86400
