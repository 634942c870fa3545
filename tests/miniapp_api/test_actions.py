"""催办, 补充说明 and 撤回 as the requester meets them on their own order: when each is
offered and allowed, what the timeline shows, what the unit sees, and every refusal."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from hotline.extensions import db
from hotline.models.enums import AssignmentState, EventType, OrderStatus
from hotline.models.orders import Order, OrderEvent
from hotline.services import deadlines, lifecycle
from hotline.services.actors import Actor
from privacy.orm import utcnow
from tests.miniapp_api.helpers import API, OTHER_PHONE, make_order
from tests.miniapp_api.test_photos import uploaded

CJK = re.compile(r"[\u4e00-\u9fff]")


def overdue_order(world, **kw) -> Order:
    """Accepted nine days ago on a seven-day limit: overdue."""
    return make_order(world, state="accepted", at=utcnow() - timedelta(days=9), **kw)


def act(client, headers, order, action: str, body: dict | None = None):
    return client.post(f"{API}/orders/{order.order_no}/{action}", json=body, headers=headers)


def detail(client, headers, order) -> dict:
    return client.get(f"{API}/orders/{order.order_no}", headers=headers).get_json()


# -- 催办 ----------------------------------------------------------------------------------
def test_an_overdue_order_can_be_urged_once_a_day(client, world, citizen, staff_headers):
    order = overdue_order(world)
    before = detail(client, citizen(), order)
    assert before["actions"]["can_urge"] is True
    resp = act(client, citizen(), order, "urge")
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["timeline"][-1]["label"] == "催办"
    assert body["timeline"][-1]["target_unit"] == "北京市朝阳区望京街道办事处"
    assert body["actions"]["can_urge"] is False
    again = act(client, citizen(), order, "urge")
    assert again.status_code == 409
    error = again.get_json()["error"]
    assert error["code"] == "urge_too_soon"
    assert error["message"] == "24小时内已催办过，请稍后再催"
    assert error["details"]["allowed_from"]
    assert detail(client, citizen(), order)["timeline"][-1]["label"] == "催办"

    # The unit's work list flags the order; the event names the unit for notifications.
    listed = client.get("/staff/api/v1/orders", headers=staff_headers("h_wangjing")).get_json()
    row = next(o for o in listed["items"] if o["order_no"] == order.order_no)
    assert row["urged"] is True
    assert row["urge_count"] == 1
    assert row["last_urged_at"]
    event = db.session.scalar(select(OrderEvent).where(OrderEvent.type == EventType.URGED))
    assert event.target_unit_id == world.units["wangjing"].id

    # A day later the requester may urge again.
    db.session.execute(
        update(OrderEvent)
        .where(OrderEvent.id == event.id)
        .values(occurred_at=utcnow() - timedelta(hours=25))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    assert act(client, citizen(), order, "urge").status_code == 201
    db.session.expire_all()
    assert db.session.get(Order, order.id).urge_count == 2


def test_urging_opens_half_way_through_the_time_limit(client, world, citizen):
    fresh = make_order(world, state="accepted", at=utcnow() - timedelta(days=1))
    offered = detail(client, citizen(), fresh)["actions"]
    assert detail(client, citizen(), fresh)["actions"] == offered  # from the view cache
    assert offered["can_urge"] is False
    opens = fresh.received_at + (fresh.deadline_at - fresh.received_at) / 2
    assert offered["urge_from"] == deadlines.to_local(opens).isoformat(timespec="seconds")
    resp = act(client, citizen(), fresh, "urge")
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "urge_too_early"
    assert resp.get_json()["error"]["message"] == "办理时限过半后才能催办"
    half = make_order(
        world,
        state="accepted",
        at=utcnow() - timedelta(days=4),
        content="小区东门的路灯坏了一周，晚上出入很不方便，请尽快修理。",
    )
    assert act(client, citizen(), half, "urge").status_code == 201


@pytest.mark.parametrize("state", ["completed", "answered"])
def test_an_ended_order_cannot_be_urged(client, world, citizen, state):
    order = make_order(world, state=state, at=utcnow() - timedelta(days=20))
    assert detail(client, citizen(), order)["actions"]["urge_from"] is None
    resp = act(client, citizen(), order, "urge")
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "illegal_step"


def test_the_urge_is_on_the_unit_side_timeline_too(client, world, citizen, staff_headers):
    order = overdue_order(world)
    act(client, citizen(), order, "urge")
    staff = client.get(
        f"/staff/api/v1/orders/{order.order_no}", headers=staff_headers("h_wangjing")
    ).get_json()
    assert staff["events"][-1]["label"] == "催办"
    assert staff["urged"] is True


# -- 补充说明 ------------------------------------------------------------------------------
def test_added_information_is_sealed_shown_redacted_and_seen_by_the_unit(
    client, world, citizen, staff_headers
):
    order = make_order(world, state="accepted")
    text = "补充：楼下井盖也松动了，我的另一个电话13911112222，可随时联系。"
    photo_id = uploaded(client, citizen())
    resp = act(client, citizen(), order, "information", {"text": text, "photo_ids": [photo_id]})
    assert resp.status_code == 201
    entry = resp.get_json()["timeline"][-1]
    assert entry["label"] == "补充说明"
    assert "井盖也松动了" in entry["note"]
    assert "13911112222" not in entry["note"]
    assert [p["photo_id"] for p in entry["photos"]] == [photo_id]
    with db.engine.connect() as conn:
        raw = conn.exec_driver_sql(
            "SELECT public_note FROM order_events WHERE type = 'info_added'"
        ).scalar_one()
    assert "井盖".encode() not in bytes(raw)
    staff = client.get(
        f"/staff/api/v1/orders/{order.order_no}", headers=staff_headers("h_wangjing")
    ).get_json()
    event = staff["events"][-1]
    assert event["label"] == "补充说明"
    assert "井盖也松动了" in event["public_note"]
    assert "13911112222" not in event["public_note"]
    assert staff["photos"][0]["photo_id"] == photo_id
    assert staff["photos"][0]["event_seq"] == event["seq"]


def test_the_detail_shows_the_photos_an_order_has_and_none_it_has_not(client, world, citizen):
    # Whether an order has photos comes with the query that loads it for the detail view.
    plain = make_order(world, state="accepted")
    pictured = make_order(
        world, state="accepted", content="小区东门路灯坏了一个多月，晚上出行很不方便。"
    )
    assert all(e["photos"] == [] for e in detail(client, citizen(), pictured)["timeline"])
    photo_id = uploaded(client, citizen())
    act(client, citizen(), pictured, "information", {"photo_ids": [photo_id]})
    timeline = detail(client, citizen(), pictured)["timeline"]
    assert [p["photo_id"] for p in timeline[-1]["photos"]] == [photo_id]
    assert timeline[-1]["photos"][0]["thumb_url"].endswith(f"/photos/{photo_id}?variant=thumb")
    assert all(e["photos"] == [] for e in detail(client, citizen(), plain)["timeline"])


def test_information_needs_text_or_photos(client, world, citizen):
    order = make_order(world, state="accepted")
    empty = act(client, citizen(), order, "information", {"text": "  "})
    assert empty.status_code == 422
    assert empty.get_json()["error"]["message"] == "请填写补充说明或添加照片"
    too_long = act(client, citizen(), order, "information", {"text": "长" * 1001})
    assert too_long.status_code == 422
    assert "text" in too_long.get_json()["error"]["details"]["fields"]
    bad_id = act(client, citizen(), order, "information", {"photo_ids": ["../etc"]})
    assert bad_id.status_code == 422
    photo_only = act(
        client, citizen(), order, "information", {"photo_ids": [uploaded(client, citizen())]}
    )
    assert photo_only.status_code == 201
    assert photo_only.get_json()["timeline"][-1]["note"] is None


def test_information_only_on_an_open_order(client, world, citizen):
    order = make_order(world, state="completed")
    resp = act(client, citizen(), order, "information", {"text": "补充一句"})
    assert resp.status_code == 409
    assert CJK.search(resp.get_json()["error"]["message"])
    assert detail(client, citizen(), order)["actions"]["can_add_info"] is False


# -- 撤回 ----------------------------------------------------------------------------------
@pytest.mark.parametrize("state", ["received", "returned"])
def test_a_request_no_unit_accepted_can_be_withdrawn(client, world, citizen, state):
    order = make_order(world, state=state)
    assert detail(client, citizen(), order)["actions"]["can_withdraw"] is True
    resp = act(client, citizen(), order, "withdraw", {"reason": "问题已自行解决，13911112222"})
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["status"] == "withdrawn"
    assert body["status_label"] == "已撤回"
    entry = body["timeline"][-1]
    assert entry["label"] == "撤回"
    assert entry["reason"].startswith("问题已自行解决")
    assert "13911112222" not in entry["reason"]
    assert body["overdue"] is False
    assert body["seconds_remaining"] is None
    assert body["actions"] == {
        "can_urge": False,
        "urge_from": None,
        "can_add_info": False,
        "can_withdraw": False,
    }
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.status == OrderStatus.WITHDRAWN
    assert all(
        a.state in (AssignmentState.WITHDRAWN, AssignmentState.RETURNED) for a in order.assignments
    )
    assert act(client, citizen(), order, "withdraw", {"reason": "再撤一次"}).status_code == 409
    assert act(client, citizen(), order, "urge").status_code == 409


def test_a_dispatched_order_not_yet_accepted_is_withdrawn_and_leaves_the_work_list(
    client, world, citizen, staff_headers
):
    order = make_order(world, state="received")
    lifecycle.dispatch(order, Actor.of(world.users["dispatcher"]), world.units["wangjing"])
    db.session.commit()
    assert act(client, citizen(), order, "withdraw", {"reason": "已解决"}).status_code == 201
    listed = client.get("/staff/api/v1/orders", headers=staff_headers("h_wangjing")).get_json()
    assert order.order_no not in [o["order_no"] for o in listed["items"]]


def test_an_accepted_order_cannot_be_withdrawn(client, world, citizen):
    order = make_order(world, state="accepted")
    assert detail(client, citizen(), order)["actions"]["can_withdraw"] is False
    resp = act(client, citizen(), order, "withdraw", {"reason": "不想等了"})
    assert resp.status_code == 409
    assert "不能撤回" in resp.get_json()["error"]["message"]


def test_a_joint_district_that_accepted_blocks_the_withdrawal(client, world, citizen):
    order = make_order(world, state="received")
    lifecycle.dispatch(
        order,
        Actor.of(world.users["dispatcher"]),
        world.units["wangjing"],
        joint_unit=world.units["chaoyang_gov"],
    )
    lifecycle.accept(order, Actor.of(world.users["h_chaoyang_gov"]))
    db.session.commit()
    resp = act(client, citizen(), order, "withdraw", {"reason": "已解决"})
    assert resp.status_code == 409
    assert resp.get_json()["error"]["message"] == "承办单位已签收，不能撤回"


def test_withdrawing_needs_a_reason(client, world, citizen):
    order = make_order(world, state="received")
    for body in ({}, {"reason": ""}, {"reason": "长" * 201}):
        resp = act(client, citizen(), order, "withdraw", body)
        assert resp.status_code == 422
        assert "reason" in resp.get_json()["error"]["details"]["fields"]


# -- ownership and limits ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("action", "body"),
    [("urge", None), ("information", {"text": "补充"}), ("withdraw", {"reason": "撤回"})],
)
def test_another_phones_order_is_404_like_an_unknown_one(client, world, citizen, action, body):
    order = overdue_order(world)
    theirs = act(client, citizen(OTHER_PHONE), order, action, body)
    unknown = client.post(
        f"{API}/orders/20990101000000/{action}", json=body, headers=citizen(OTHER_PHONE)
    )
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.get_data() == unknown.get_data()
    assert client.post(f"{API}/orders/{order.order_no}/{action}", json=body).status_code == 401
