"""Rating: once per completion, inside the window, yes/no/partly × 满意/基本满意/不满意,
a comment of at most 500 characters redacted before it is shown, and one reopen."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.extensions import db
from hotline.models.enums import RatingSource
from hotline.models.orders import Order, Rating
from hotline.services import lifecycle
from hotline.services.actors import Actor
from privacy.fields import open_field
from privacy.runtime import runtime
from tests.miniapp_api.helpers import API, login, make_order


def _rate(client, headers, order_no, **body):
    return client.post(f"{API}/orders/{order_no}/rating", json=body, headers=headers)


GOOD = {"resolution": "yes", "satisfaction": "satisfied"}


def test_rating_once_and_it_feeds_the_rates(client, world, citizen):
    order = make_order(world)
    headers = citizen()
    resp = _rate(client, headers, order.order_no, **GOOD, comment="处理很及时，谢谢！")
    assert resp.status_code == 201
    mine = resp.get_json()["rating"]["mine"]
    assert mine["resolution_label"] == "已解决"
    assert mine["satisfaction_label"] == "满意"
    assert mine["comment"] == "处理很及时，谢谢！"
    assert resp.get_json()["rating"]["can_rate"] is False
    assert resp.get_json()["timeline"][-1]["label"] == "评价"
    rating = db.session.scalar(select(Rating))
    assert rating.source == RatingSource.CITIZEN
    assert rating.unit_id == world.units["wangjing"].id
    assert rating.round == 1
    again = _rate(client, headers, order.order_no, **GOOD)
    assert again.status_code == 409
    assert again.get_json()["error"]["message"] == "本次办结已评价过，不能重复评价"


@pytest.mark.parametrize("days", [7, 10])
def test_the_window_closes_after_seven_days(client, world, citizen, days):
    order = make_order(world, completed_days_ago=days + 0.01)
    resp = _rate(client, citizen(), order.order_no, **GOOD)
    assert resp.status_code == 409
    assert resp.get_json()["error"]["message"] == "已超过评价期限（办结后7天内）"


def test_the_window_is_configurable(make_citizen_app, world):
    client = make_citizen_app(RATING_WINDOW_DAYS=30).test_client()
    order = make_order(world, completed_days_ago=10)
    assert _rate(client, login(client), order.order_no, **GOOD).status_code == 201


def test_comment_is_redacted_in_public_and_sealed_in_full(client, world, citizen):
    order = make_order(world)
    comment = "没解决，请回电13912345678，或发邮件到 li@example.com"
    resp = _rate(
        client,
        citizen(),
        order.order_no,
        resolution="partly",
        satisfaction="basically",
        comment=comment,
    )
    assert resp.status_code == 201
    shown = "没解决，请回电[手机号]，或发邮件到 [邮箱]"
    body = resp.get_json()
    assert body["rating"]["mine"]["comment"] == shown
    assert body["timeline"][-1]["note"] == shown
    assert "13912345678" not in resp.get_data(as_text=True)
    rating = db.session.scalar(select(Rating))
    assert open_field(runtime().cipher, rating, "comment") == comment
    # Nothing of the comment is stored in plaintext, not even redacted.
    assert not hasattr(rating, "comment_public")
    event = rating.order.events[-1]
    assert open_field(runtime().cipher, event, "public_note") == comment


def test_comment_length_and_choices_are_validated(client, world, citizen):
    order = make_order(world)
    headers = citizen()
    resp = _rate(client, headers, order.order_no, **GOOD, comment="好" * 501)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"]["fields"]["comment"] == [
        "长度应在 0 到 500 个字符之间"
    ]
    resp = _rate(client, headers, order.order_no, resolution="maybe", satisfaction="很好")
    fields = resp.get_json()["error"]["details"]["fields"]
    assert resp.status_code == 422
    assert fields["resolution"] == ["取值应为以下之一：yes, partly, no"]
    assert fields["satisfaction"] == ["取值应为以下之一：satisfied, basically, dissatisfied"]
    assert _rate(client, headers, order.order_no, **GOOD, comment="好" * 500).status_code == 201


def test_unresolved_and_dissatisfied_may_reopen_once(client, world, citizen):
    order = make_order(world)
    headers = citizen()
    bad = {"resolution": "no", "satisfaction": "dissatisfied", "reopen": True}
    resp = _rate(client, headers, order.order_no, **bad)
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["status"] == "dispatched"
    assert body["round"] == 2
    assert [e["label"] for e in body["timeline"]][-2:] == ["评价", "重启办理"]
    # Round 2 completes; the citizen may rate again, but not reopen again.
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    handler = Actor.of(world.users["h_wangjing"])
    lifecycle.accept(order, handler)
    lifecycle.complete(order, handler, "已再次维修并验收。")
    db.session.commit()
    resp = _rate(client, headers, order.order_no, **bad)
    assert resp.status_code == 409
    assert resp.get_json()["error"]["message"] == "该工单已申请过重新办理"
    assert (
        _rate(
            client, headers, order.order_no, resolution="no", satisfaction="dissatisfied"
        ).status_code
        == 201
    )


def test_reopen_needs_unresolved_and_dissatisfied(client, world, citizen):
    order = make_order(world)
    resp = _rate(
        client,
        citizen(),
        order.order_no,
        resolution="partly",
        satisfaction="dissatisfied",
        reopen=True,
    )
    assert resp.status_code == 422
    assert resp.get_json()["error"]["message"] == "仅在“未解决”且“不满意”时可申请重新办理"


def test_an_open_order_cannot_be_rated(client, world, citizen):
    order = make_order(world, state="accepted")
    resp = _rate(client, citizen(), order.order_no, **GOOD)
    assert resp.status_code == 409
    assert resp.get_json()["error"]["message"] == "工单当前状态为“办理中”，不能评价"


def test_the_view_says_until_when_rating_is_possible(client, world, citizen):
    order = make_order(world, completed_days_ago=2)
    body = client.get(f"{API}/orders/{order.order_no}", headers=citizen()).get_json()
    state = body["rating"]
    assert state["can_rate"] is True
    assert state["can_request_reopen"] is True
    assert state["mine"] is None
    assert state["rate_until"] > body["completed_at"]
