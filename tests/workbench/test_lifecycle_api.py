"""One order walked through every lifecycle step via the staff API."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models.orders import Order, OrderEvent
from privacy.orm import utcnow
from tests.workbench.helpers import API, new_order, step


def event_types(body):
    return [e["type"] for e in body["events"]]


def test_full_lifecycle_through_every_step(client, world, staff_headers):
    agent, dispatcher = staff_headers("agent"), staff_headers("dispatcher")
    supervisor, street = staff_headers("supervisor"), staff_headers("h_wangjing")
    district_gov, housing = staff_headers("h_chaoyang_gov"), staff_headers("h_chaoyang_housing")

    created = new_order(client, agent, world)
    assert created["merged"] is False
    assert len(created["query_code"]) == 8
    no = created["order_no"]

    body = step(
        client,
        dispatcher,
        no,
        "dispatch",
        unit_code="S110105001",
        double=True,
        note="请望京街道牵头办理",
    )
    assert body["status"] == "dispatched"
    assert body["lead_unit"] == "北京市朝阳区望京街道办事处"
    assert {a["unit"]["code"] for a in body["assignments"]} == {"S110105001", "D11010511"}

    step(client, street, no, "accept")
    step(client, district_gov, no, "accept")
    step(client, street, no, "contact", note="已电话联系诉求人，约定今天下午查看现场")
    body = step(
        client,
        street,
        no,
        "progress",
        note="已约物业和电梯维保公司到场检修",
        internal_note="物业经理王某称配件需从外地调货",
    )
    assert body["events"][-1]["public_note"] == "已约物业和电梯维保公司到场检修"
    assert body["events"][-1]["has_internal_note"] is True
    assert "物业经理" not in str(body)  # the internal note never travels in the view

    old_deadline = body["deadline_at"]
    new_deadline = (utcnow() + timedelta(days=12)).isoformat()
    step(client, street, no, "extension", reason="电梯主板需厂家调货", new_deadline=new_deadline)
    body = step(client, supervisor, no, "extension/decision", approve=True, note="同意延期")
    assert body["deadline_at"] != old_deadline
    assert body["events"][-1]["type"] == "extension_approved"

    step(client, street, no, "whistle", unit_codes=["D11010502"], note="需区住建委督促物业履责")
    step(client, housing, no, "accept")
    step(client, housing, no, "progress", note="区住建委已约谈物业公司")
    step(
        client,
        supervisor,
        no,
        "escalate",
        reason="涉及多部门，提级统筹",
        coordinator_unit_code="D11010511",
    )

    body = step(client, street, no, "complete", reply="电梯已更换主板并恢复运行，经检测合格。")
    assert body["status"] == "completed"
    assert body["overdue"] is False

    body = step(
        client,
        agent,
        no,
        "follow-up",
        resolution="no",
        satisfaction="dissatisfied",
        note="诉求人反映电梯仍时常停运",
    )
    body = step(client, agent, no, "reopen", reason="回访不满意，重新办理")
    assert body["status"] == "dispatched"
    assert body["round"] == 2

    step(client, street, no, "accept")
    step(client, street, no, "contact")
    step(client, street, no, "complete", reply="已彻底更换控制柜，连续观察三天运行正常。")
    step(client, agent, no, "follow-up", resolution="yes", satisfaction="satisfied")
    body = step(client, agent, no, "close", note="归档")
    assert body["status"] == "closed"
    assert event_types(body) == [
        "received",
        "dispatched",
        "accepted",
        "accepted",
        "contacted",
        "progress",
        "extension_requested",
        "extension_approved",
        "whistle",
        "accepted",
        "progress",
        "escalated",
        "completed",
        "followed_up",
        "reopened",
        "accepted",
        "contacted",
        "completed",
        "followed_up",
        "closed",
    ]
    assert [e["seq"] for e in body["events"]] == list(range(1, 21))
    assert body["responded_in_time"] is True


def test_return_dispute_and_redispatch(client, world, staff_headers):
    agent, dispatcher = staff_headers("agent"), staff_headers("dispatcher")
    wangjing, jiuxianqiao = staff_headers("h_wangjing"), staff_headers("h_jiuxianqiao")
    no = new_order(client, agent, world)["order_no"]

    step(client, dispatcher, no, "dispatch", unit_code="S110105002")
    body = step(client, jiuxianqiao, no, "return", reason="该小区属望京街道辖区，非本单位管辖")
    assert body["status"] == "returned"
    assert body["lead_unit"] is None

    step(client, dispatcher, no, "dispatch", unit_code="S110105001")
    step(client, wangjing, no, "accept")
    body = step(client, wangjing, no, "dispute", reason="电梯属产权单位维修责任，应派区住建委")
    assert body["status"] == "disputed"
    body = step(client, dispatcher, no, "dispute/reject", note="属地管理，由街道牵头")
    assert body["status"] == "accepted"  # back where it was before the dispute
    # The returned unit can no longer act on it.
    step(client, jiuxianqiao, no, "progress", expect=409, note="继续跟进")


def test_answer_directly_and_close(client, world, staff_headers):
    agent = staff_headers("agent")
    no = new_order(
        client, agent, world, kind="consultation", content="请问公租房申请需要哪些材料？"
    )["order_no"]
    body = step(client, agent, no, "answer", reply="需身份证、户口本、收入证明，详见住建委网站。")
    assert body["status"] == "answered"
    body = step(client, agent, no, "close")
    assert body["status"] == "closed"
    step(client, staff_headers("publisher"), no, "dispatch", expect=403, unit_code="S110105001")
    refused = step(
        client, staff_headers("dispatcher"), no, "dispatch", expect=409, unit_code="S110105001"
    )
    assert refused["error"]["message"] == "工单当前状态为“已归档”，不能派单"


def test_time_limit_class_sets_the_deadline(client, world, staff_headers):
    agent = staff_headers("agent")
    no = new_order(
        client,
        agent,
        world,
        category_code=world.categories["gas"].code,
        content="楼道里有很重的燃气味，怀疑燃气泄漏",
    )["order_no"]
    order = db.session.scalar(select(Order).where(Order.order_no == no))
    assert order.time_limit.value == "urgent"
    assert order.deadline_at - order.received_at == timedelta(hours=2)
    resp = client.get(f"{API}/orders/{no}", headers=agent)
    assert resp.get_json()["time_limit"] == "urgent"


def test_overdue_is_derived_and_listed_first(client, world, staff_headers):
    agent, dispatcher = staff_headers("agent"), staff_headers("dispatcher")
    street = staff_headers("h_wangjing")
    late = new_order(client, agent, world, content="路灯不亮已经一个多月")["order_no"]
    fresh = new_order(client, agent, world, content="小区门口井盖松动", requester={})["order_no"]
    for no in (late, fresh):
        step(client, dispatcher, no, "dispatch", unit_code="S110105001")
    order = db.session.scalar(select(Order).where(Order.order_no == late))
    order.received_at -= timedelta(days=10)
    order.deadline_at -= timedelta(days=10)
    order.dispatched_at -= timedelta(days=10)
    db.session.commit()

    listing = client.get(f"{API}/orders", headers=street).get_json()
    assert [o["order_no"] for o in listing["items"]] == [late, fresh]
    assert listing["items"][0]["overdue"] is True
    assert listing["items"][0]["seconds_remaining"] < 0
    assert listing["items"][0]["responded_in_time"] is False
    assert listing["items"][1]["overdue"] is False
    only_late = client.get(f"{API}/orders?overdue=true", headers=street).get_json()
    assert [o["order_no"] for o in only_late["items"]] == [late]


def test_merged_repeats_are_counted_once(client, world, staff_headers):
    agent = staff_headers("agent")
    first = new_order(client, agent, world)
    again = new_order(
        client,
        agent,
        world,
        channel="wechat",
        content="望京西园三区5号楼电梯停运三天了，物业一直不修，老人上下楼很困难！",
    )
    assert again["merged"] is True
    assert again["order_no"] == first["order_no"]
    assert again["query_code"] is None
    other = new_order(client, agent, world, content="小区垃圾桶满了没人清运，味道很大")
    assert other["merged"] is False

    assert db.session.scalar(select(func.count(Order.id))) == 2
    order = db.session.scalar(select(Order).where(Order.order_no == first["order_no"]))
    assert order.repeat_count == 1
    types = db.session.scalars(
        select(OrderEvent.type).where(OrderEvent.order_id == order.id).order_by(OrderEvent.seq)
    ).all()
    assert [t.value for t in types] == ["received", "merged_repeat"]


def test_an_extension_cannot_be_approved_after_completion(client, world, staff_headers):
    """A completed order's deadline is history: approving an extension asked for before
    the completion answers 409 and moves nothing (the overdue and on-time figures of
    published reports depend on it)."""
    agent, dispatcher = staff_headers("agent"), staff_headers("dispatcher")
    supervisor, street = staff_headers("supervisor"), staff_headers("h_wangjing")
    no = new_order(client, agent, world)["order_no"]
    step(client, dispatcher, no, "dispatch", unit_code="S110105001")
    step(client, street, no, "accept")
    far = (utcnow() + timedelta(days=40)).isoformat()
    step(client, street, no, "extension", reason="需协调多个部门", new_deadline=far)
    done = step(client, street, no, "complete", reply="已修复")
    refused = step(client, supervisor, no, "extension/decision", expect=409, approve=True)
    assert refused["error"]["code"] == "illegal_step"
    assert "已办结" in refused["error"]["message"]
    after = client.get(f"{API}/orders/{no}", headers=supervisor).get_json()
    assert after["deadline_at"] == done["deadline_at"]
    assert "extension_approved" not in event_types(after)
