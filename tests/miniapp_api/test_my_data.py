"""我的数据: who read my personal data (from the hash-chained access log), a download of
everything held about my phone (itself logged as my own read), and asking to erase it."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models.enums import ErasureStatus
from hotline.models.erasure import ErasureRequest
from hotline.services.privacy_office import anomalies
from privacy import access
from privacy.accesslog import AccessContext, verify_chain
from privacy.models import AccessLogEntry
from privacy.orm import utcnow
from privacy.runtime import runtime
from tests.miniapp_api.helpers import API, OTHER_PHONE, PHONE, make_order
from tests.miniapp_api.test_photos import uploaded


def staff_read(world, username: str, order, fields=("requester_phone",), purpose="联系诉求人"):
    user = world.users[username]
    ctx = AccessContext.for_staff(user.id, user.role, user.unit_id, purpose=purpose)
    access.reveal(db.session, order, list(fields), ctx=ctx.for_order(order.id, order.order_no))
    db.session.commit()


# -- who read my data ---------------------------------------------------------------------
def test_reads_show_unit_role_masked_name_fields_and_purpose(client, world, citizen):
    mine = make_order(world, state="accepted")
    theirs = make_order(
        world, OTHER_PHONE, state="accepted", content="望京西园四区2号楼门口的路灯坏了一周。"
    )
    staff_read(world, "h_wangjing", mine)
    staff_read(world, "h_wangjing", theirs)
    staff_read(world, "agent", mine, ("requester_name", "requester_phone"), "回访诉求人")
    body = client.get(f"{API}/me/reads", headers=citizen()).get_json()
    assert body["total"] == 2
    newest, first = body["items"]
    assert newest["order_no"] == mine.order_no
    assert newest["role"] == "话务员"
    assert newest["unit"] == "12345市民服务热线"
    assert newest["fields_read"] == ["姓名", "电话"]
    assert newest["purpose"] == "回访诉求人"
    assert first["unit"] == "北京市朝阳区望京街道办事处"
    assert first["role"] == "承办人员"
    assert first["staff_name"] == "王**"
    assert first["staff_no"] == world.users["h_wangjing"].staff_no
    assert first["fields_read"] == ["电话"]
    assert first["purpose"] == "联系诉求人"
    assert first["who"] == (
        f"北京市朝阳区望京街道办事处 承办人员 王** 工号 {world.users['h_wangjing'].staff_no}"
    )
    assert first["own"] is False
    # The other phone sees only the read of its own order.
    other = client.get(f"{API}/me/reads", headers=citizen(OTHER_PHONE)).get_json()
    assert [r["order_no"] for r in other["items"]] == [theirs.order_no]


def test_reads_are_paged_and_bounded(client, world, citizen):
    order = make_order(world, state="accepted")
    for _ in range(3):
        staff_read(world, "h_wangjing", order)
    page = client.get(f"{API}/me/reads?page=2&per_page=2", headers=citizen()).get_json()
    assert (page["total"], len(page["items"])) == (3, 1)
    for query in ("page=0", "per_page=101", "per_page=x", "sort=asc"):
        resp = client.get(f"{API}/me/reads?{query}", headers=citizen())
        assert resp.status_code == 422, query
    assert client.get(f"{API}/me/reads").status_code == 401


def test_reading_my_reads_writes_nothing(client, world, citizen):
    order = make_order(world, state="accepted")
    staff_read(world, "h_wangjing", order)
    client.get(f"{API}/me/reads", headers=citizen())
    assert db.session.scalar(select(func.count()).select_from(AccessLogEntry)) == 1


# -- download -----------------------------------------------------------------------------
def test_the_download_holds_everything_in_plaintext_and_is_logged_as_my_own_read(
    client, world, citizen
):
    first = make_order(world, state="accepted", name="欧阳娜娜")
    second = make_order(world, state="completed", content="小区路灯不亮已经一周，请尽快修理。")
    photo_id = uploaded(client, citizen())
    client.post(
        f"{API}/orders/{first.order_no}/information",
        json={"text": "补充：我的备用电话13911112222", "photo_ids": [photo_id]},
        headers=citizen(),
    )
    client.post(
        f"{API}/orders/{second.order_no}/rating",
        json={"resolution": "yes", "satisfaction": "satisfied", "comment": "处理得很快，谢谢"},
        headers=citizen(),
    )
    staff_read(world, "h_wangjing", first)
    before = db.session.scalar(select(func.count()).select_from(AccessLogEntry))

    resp = client.get(f"{API}/me/export", headers=citizen())
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"].startswith('attachment; filename="my-data-')
    doc = json.loads(resp.get_data(as_text=True))
    assert doc["profile"]["phone"] == PHONE
    orders = {o["order_no"]: o for o in doc["orders"]}
    assert set(orders) == {first.order_no, second.order_no}
    one = orders[first.order_no]
    assert one["requester"]["name"] == "欧阳娜娜"
    assert one["requester"]["phone"] == PHONE
    assert one["requester"]["address"] == "北京市朝阳区望京街道望京西园三区5号楼"
    assert one["content"].startswith("望京西园三区5号楼电梯停运三天")
    assert {"label": "补充说明", "text": "补充：我的备用电话13911112222"}.items() <= (
        one["my_texts"][0].items()
    )
    assert one["photos"][0]["url"] == f"/api/v1/orders/{first.order_no}/photos/{photo_id}"
    assert [e["label"] for e in one["timeline"]][:2] == ["受理", "派单"]
    assert "该户曾多次投诉" not in resp.get_data(as_text=True)  # internal notes are not hers
    two = orders[second.order_no]
    assert two["my_texts"] == [
        {"label": "评价", "at": two["my_texts"][0]["at"], "text": "处理得很快，谢谢"}
    ]
    assert two["ratings"][0]["satisfaction"] == "满意"
    assert [r["who"].split()[0] for r in doc["reads"] if "本人" not in r["who"]] == [
        "北京市朝阳区望京街道办事处"
    ]

    # One owner's read per order and one for the login profile, in the intact chain.
    entries = db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.seq > before).order_by(AccessLogEntry.seq)
    ).all()
    assert [e.action for e in entries] == ["owner_read"] * 3
    assert {e.order_no for e in entries} == {None, first.order_no, second.order_no}
    assert all(e.role == "citizen" and e.purpose == "诉求人下载本人数据" for e in entries)
    assert verify_chain(db.session, runtime().ring).ok
    # My own downloads show in my reads, and never as a staff anomaly.
    reads = client.get(f"{API}/me/reads", headers=citizen()).get_json()["items"]
    assert reads[0]["own"] is True
    assert reads[0]["who"] == "本人（下载我的数据）"
    report = anomalies.report(1)
    assert not any(e.role == "citizen" for e in report.off_hours.rows + report.confidential.rows)


def test_another_phones_data_is_not_in_my_download(client, world, citizen):
    make_order(world, OTHER_PHONE, state="accepted", name="李四")
    doc = client.get(f"{API}/me/export", headers=citizen()).get_json()
    assert doc["orders"] == []
    assert "李四" not in json.dumps(doc, ensure_ascii=False)


# -- asking to erase ----------------------------------------------------------------------
def test_asking_to_erase_my_ended_orders(client, world, citizen):
    ended = make_order(world, state="answered")
    old = make_order(
        world,
        state="completed",
        completed_days_ago=10,
        content="小区门口垃圾桶满溢无人清理，气味很大。",
    )
    open_ = make_order(world, state="accepted", content="楼道堆物堵塞消防通道，请处理。")
    resp = client.post(f"{API}/me/erasure-requests", json={}, headers=citizen())
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["status"] == "pending"
    assert body["status_label"] == "待处理"
    assert sorted(body["order_nos"]) == sorted([ended.order_no, old.order_no])
    assert open_.order_no not in body["order_nos"]
    again = client.post(f"{API}/me/erasure-requests", json={}, headers=citizen())
    assert again.status_code == 409
    assert again.get_json()["error"]["message"] == "您已有一份删除申请正在处理，请等待处理结果"
    listed = client.get(f"{API}/me/erasure-requests", headers=citizen()).get_json()
    assert [r["request_id"] for r in listed["items"]] == [body["request_id"]]
    assert client.get(f"{API}/me/erasure-requests", headers=citizen(OTHER_PHONE)).get_json() == {
        "items": []
    }


def test_erasure_of_named_orders_only_mine_and_ended(client, world, citizen):
    ended = make_order(world, state="answered")
    open_ = make_order(world, state="accepted", content="楼道堆物堵塞消防通道，请处理。")
    theirs = make_order(world, OTHER_PHONE, state="answered")
    for order_nos in ([open_.order_no], [theirs.order_no], ["20990101000000"]):
        resp = client.post(
            f"{API}/me/erasure-requests", json={"order_nos": order_nos}, headers=citizen()
        )
        assert resp.status_code == 422
        assert resp.get_json()["error"]["details"]["order_nos"] == order_nos
    bad = client.post(f"{API}/me/erasure-requests", json={"order_nos": ["12"]}, headers=citizen())
    assert bad.status_code == 422
    ok = client.post(
        f"{API}/me/erasure-requests", json={"order_nos": [ended.order_no]}, headers=citizen()
    )
    assert ok.status_code == 201
    assert ok.get_json()["order_nos"] == [ended.order_no]


def test_nothing_to_erase_is_409(client, world, citizen):
    make_order(world, state="accepted")
    make_order(world, state="completed", content="刚办结的工单：井盖已更换，评价期内。")
    resp = client.post(f"{API}/me/erasure-requests", json={}, headers=citizen())
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "nothing_to_erase"
    assert db.session.scalar(select(func.count()).select_from(ErasureRequest)) == 0


def test_the_decision_reaches_the_requester(client, world, citizen):
    from hotline.services.actors import Actor
    from hotline.services.privacy_office import erasure

    make_order(world, state="answered")
    request_id = client.post(f"{API}/me/erasure-requests", json={}, headers=citizen()).get_json()[
        "request_id"
    ]
    req = db.session.scalar(select(ErasureRequest).where(ErasureRequest.uuid == request_id))
    retain = (utcnow() + timedelta(days=365)).date()
    erasure.decide(
        req,
        Actor.of(world.users["privacy"]),
        approve=False,
        note="依据《档案法》，举报类工单须保存至调查结束，联系电话13911112222",
        retain_until=retain,
    )
    db.session.commit()
    item = client.get(f"{API}/me/erasure-requests", headers=citizen()).get_json()["items"][0]
    assert item["status"] == "refused"
    assert item["status_label"] == "不予删除"
    assert item["decision_note"].startswith("依据《档案法》")
    assert "13911112222" not in item["decision_note"]
    assert item["retain_until"] == retain.isoformat()
    assert req.status == ErasureStatus.REFUSED
    # Refused, the requester may ask again.
    assert client.post(f"{API}/me/erasure-requests", json={}, headers=citizen()).status_code == 201
