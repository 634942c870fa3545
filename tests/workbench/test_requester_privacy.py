"""The staff order view and the role matrix: masked by default, plaintext field by field,
each plaintext read leaving exactly one access-log entry."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hotline.extensions import db
from privacy.accesslog import AccessLogError
from privacy.models import AccessLogEntry
from tests.workbench.helpers import API, new_order, step

PHONE = "13812345678"


def log_entries():
    return db.session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.seq)).all()


def log_count():
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(AccessLogEntry))


@pytest.fixture
def dispatched(client, world, staff_headers):
    no = new_order(client, staff_headers("agent"), world)["order_no"]
    step(client, staff_headers("dispatcher"), no, "dispatch", unit_code="S110105001")
    return no


def detail(client, headers, no, query=""):
    return client.get(f"{API}/orders/{no}{query}", headers=headers)


def test_masked_by_default_and_no_log(client, staff_headers, dispatched):
    for user in ("h_wangjing", "dispatcher", "supervisor", "agent"):
        body = detail(client, staff_headers(user), dispatched).get_json()
        assert body["requester"] == {
            "name": "欧阳**",
            "phone": "138****5678",
            "id_number": None,
            "address": body["requester"]["address"],
        }
        assert "5号楼" not in (body["requester"]["address"] or "")
        assert PHONE not in str(body)
    assert log_count() == 0


def test_handler_reveals_the_phone_with_one_log_entry(client, world, staff_headers, dispatched):
    resp = detail(client, staff_headers("h_wangjing"), dispatched, "?reveal=phone")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["requester"]["phone"] == PHONE
    assert body["requester"]["name"] == "欧阳**"
    [entry] = log_entries()
    assert entry.actor == f"staff:{world.users['h_wangjing'].id}"
    assert entry.role == "handler"
    assert entry.unit_id == world.units["wangjing"].id
    assert entry.order_no == dispatched
    assert entry.purpose == "联系诉求人"
    assert "orders.requester_phone" in entry.fields
    assert PHONE not in entry.value_hashes


@pytest.mark.parametrize(
    ("user", "field"),
    [
        ("h_wangjing", "name"),
        ("h_wangjing", "id_number"),
        ("dispatcher", "phone"),
        ("supervisor", "name"),
        ("publisher", "phone"),
    ],
)
def test_reveal_refused_by_the_matrix(client, staff_headers, dispatched, user, field):
    resp = detail(client, staff_headers(user), dispatched, f"?reveal={field}")
    assert resp.status_code == 403
    assert PHONE not in resp.get_data(as_text=True)
    assert log_count() == 0


def test_intake_agent_sees_what_they_entered(client, world, staff_headers, dispatched):
    body = detail(
        client, staff_headers("agent"), dispatched, "?reveal=name&reveal=phone"
    ).get_json()
    assert body["requester"]["name"] == "欧阳娜娜"
    assert body["requester"]["phone"] == PHONE
    assert len(log_entries()) == 1


def test_privacy_officer_needs_a_purpose(client, staff_headers, dispatched):
    officer = staff_headers("privacy")
    refused = detail(client, officer, dispatched, "?reveal=phone")
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "purpose_required"
    body = detail(client, officer, dispatched, "?reveal=phone&purpose=核查投诉举报").get_json()
    assert body["requester"]["phone"] == PHONE
    [entry] = log_entries()
    assert entry.purpose == "核查投诉举报"


def test_confidential_order_shows_units_no_identity(client, world, staff_headers):
    no = new_order(
        client,
        staff_headers("agent"),
        world,
        confidential=True,
        content="举报小区内违建，请为我保密",
    )["order_no"]
    step(client, staff_headers("dispatcher"), no, "dispatch", unit_code="S110105001")
    body = detail(client, staff_headers("h_wangjing"), no).get_json()
    assert body["identity_hidden"] is True
    assert set(body["requester"].values()) == {None}
    assert detail(client, staff_headers("h_wangjing"), no, "?reveal=phone").status_code == 403
    assert log_count() == 0


def test_every_step_answer_is_masked_and_unlogged(client, staff_headers, dispatched):
    street, agent = staff_headers("h_wangjing"), staff_headers("agent")
    for action, body in (
        ("accept", {}),
        ("contact", {}),
        ("progress", {"note": "已派人查看"}),
        ("complete", {"reply": "已修复"}),
    ):
        answer = step(client, street, dispatched, action, **body)
        assert answer["requester"]["phone"] == "138****5678"
    step(client, agent, dispatched, "follow-up", resolution="yes", satisfaction="satisfied")
    step(client, agent, dispatched, "close")
    listing = client.get(f"{API}/orders", headers=agent).get_data(as_text=True)
    assert PHONE not in listing
    assert log_count() == 0


def test_no_plaintext_when_the_log_cannot_be_written(
    client, staff_headers, dispatched, monkeypatch
):
    def broken(*args, **kwargs):
        raise AccessLogError("disk full")

    monkeypatch.setattr("privacy.accesslog.append_entry", broken)
    resp = detail(client, staff_headers("h_wangjing"), dispatched, "?reveal=phone")
    assert resp.status_code == 503
    assert PHONE not in resp.get_data(as_text=True)
    assert resp.get_json()["error"]["message"] == "访问日志写入失败，个人信息明文不予返回"


def test_unknown_reveal_field_is_422(client, staff_headers, dispatched):
    resp = detail(client, staff_headers("h_wangjing"), dispatched, "?reveal=salary")
    assert resp.status_code == 422
