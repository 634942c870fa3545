"""My orders: the logged-in phone's orders only, newest first, paginated, by status."""

from __future__ import annotations

from datetime import timedelta

from privacy.orm import utcnow
from tests.miniapp_api.helpers import API, OTHER_PHONE, make_order


def _orders(client, headers, query=""):
    resp = client.get(f"{API}/orders{query}", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_newest_first_with_status_deadline_overdue_and_unit(client, world, citizen):
    now = utcnow()
    old = make_order(world, state="completed", at=now - timedelta(days=9))
    late = make_order(
        world, state="accepted", at=now - timedelta(days=8), content="井盖丢失，很危险"
    )
    new = make_order(world, state="received", at=now - timedelta(hours=2), content="噪音扰民")
    body = _orders(client, citizen())
    assert [o["order_no"] for o in body["items"]] == [new.order_no, late.order_no, old.order_no]
    assert body["total"] == 3
    assert body["page"] == 1
    first, second, third = body["items"]
    assert first["status_label"] == "已受理"
    assert first["overdue"] is False
    assert first["seconds_remaining"] > 6 * 86400
    assert first["unit"] is None
    assert second["overdue"] is True
    assert second["seconds_remaining"] < 0
    assert second["unit"] == "北京市朝阳区望京街道办事处"
    assert third["status"] == "completed"
    assert third["seconds_remaining"] is None
    assert third["deadline_at"].endswith("+08:00")
    assert second["summary"] == "井盖丢失，很危险"


TEXTS = (
    "小区东门外的路灯坏了一周，晚上出行很不方便",
    "楼下餐馆油烟直排，窗户都不敢开",
    "公交站台的顶棚破损漏雨，请尽快修复",
    "咨询孩子入学需要准备哪些证明材料",
    "建议在社区公园增设儿童游乐设施和座椅",
)


def test_pagination(client, world, citizen):
    now = utcnow()
    numbers = [
        make_order(
            world, state="received", at=now - timedelta(hours=i), content=TEXTS[i - 1]
        ).order_no
        for i in range(1, 6)
    ]
    headers = citizen()
    page1 = _orders(client, headers, "?per_page=2")
    page3 = _orders(client, headers, "?per_page=2&page=3")
    assert [o["order_no"] for o in page1["items"]] == numbers[:2]
    assert [o["order_no"] for o in page3["items"]] == numbers[4:]
    assert page1["total"] == page3["total"] == 5
    assert _orders(client, headers, "?per_page=2&page=4")["items"] == []


def test_status_filter(client, world, citizen):
    done = make_order(world, state="completed")
    make_order(world, state="accepted", content="另一件诉求：小区路灯不亮")
    headers = citizen()
    body = _orders(client, headers, "?status=completed")
    assert [o["order_no"] for o in body["items"]] == [done.order_no]
    both = _orders(client, headers, "?status=completed&status=accepted")
    assert both["total"] == 2


def test_only_the_callers_orders(client, world, citizen):
    mine = make_order(world)
    theirs = make_order(world, OTHER_PHONE, content="别人的诉求：楼下垃圾无人清运")
    make_order(world, None, content="匿名来电：路口信号灯故障")
    assert [o["order_no"] for o in _orders(client, citizen())["items"]] == [mine.order_no]
    other = _orders(client, citizen(OTHER_PHONE))["items"]
    assert [o["order_no"] for o in other] == [theirs.order_no]


def test_bad_filters_are_422_in_chinese(client, citizen):
    headers = citizen()
    resp = client.get(f"{API}/orders?status=lost&per_page=500&page=0", headers=headers)
    assert resp.status_code == 422
    fields = resp.get_json()["error"]["details"]["fields"]
    assert fields["per_page"] == ["每页 1 到 50 条"]
    assert fields["page"] == ["页码无效"]
    assert "取值应为以下之一" in fields["status"]["0"][0]
    resp = client.get(f"{API}/orders?color=red", headers=headers)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"]["fields"]["color"] == ["不支持的字段"]
