"""Photos seen from the staff side: a handler's "after" photos on progress and completion,
and who among staff may open a photo — each view an access-log entry."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.services import lifecycle
from hotline.services.actors import Actor
from privacy.models import AccessLogEntry
from tests.miniapp_api.helpers import API, make_order
from tests.miniapp_api.test_photos import gps_jpeg, post_form, uploaded

STAFF = "/staff/api/v1"


def log_entries() -> list[AccessLogEntry]:
    return list(db.session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.seq)))


def staff_upload(client, headers, order_no: str, data: bytes | None = None):
    return post_form(
        client,
        f"{STAFF}/orders/{order_no}/photos",
        {"photo": (data or gps_jpeg(), "after.jpg")},
        headers=headers,
    )


@pytest.fixture
def with_photo(client, world, citizen):
    """An accepted order of the requester, with a photo they added."""

    def make(**kw):
        order = make_order(world, state="accepted", **kw)
        photo_id = uploaded(client, citizen())
        resp = client.post(
            f"{API}/orders/{order.order_no}/information",
            json={"photo_ids": [photo_id]},
            headers=citizen(),
        )
        assert resp.status_code == 201
        return order, photo_id

    return make


def test_a_handler_adds_after_photos_to_progress_and_completion(
    client, world, citizen, staff_headers
):
    order = make_order(world, state="accepted")
    handler = staff_headers("h_wangjing")
    first = staff_upload(client, handler, order.order_no)
    assert first.status_code == 201, first.get_json()
    progress = client.post(
        f"{STAFF}/orders/{order.order_no}/progress",
        json={"note": "已更换井盖", "photo_ids": [first.get_json()["photo_id"]]},
        headers=handler,
    )
    assert progress.status_code == 200
    second = staff_upload(client, handler, order.order_no).get_json()["photo_id"]
    done = client.post(
        f"{STAFF}/orders/{order.order_no}/complete",
        json={"reply": "已修复完毕", "photo_ids": [second]},
        headers=handler,
    )
    assert done.status_code == 200
    photos = done.get_json()["photos"]
    assert [p["source"] for p in photos] == ["staff", "staff"]
    # The requester sees them on the timeline, on the steps that brought them.
    timeline = client.get(f"{API}/orders/{order.order_no}", headers=citizen()).get_json()[
        "timeline"
    ]
    by_label = {e["label"]: e["photos"] for e in timeline if e["photos"]}
    assert [p["photo_id"] for p in by_label["办结"]] == [second]
    assert len(by_label["办理进展"]) == 1
    shown = client.get(by_label["办结"][0]["url"], headers=citizen())
    assert shown.status_code == 200
    assert shown.mimetype == "image/jpeg"


def test_only_a_unit_handling_the_order_uploads(client, world, staff_headers):
    order = make_order(world, state="accepted")
    for user in ("h_jiuxianqiao", "agent"):
        resp = staff_upload(client, staff_headers(user), order.order_no)
        assert resp.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(AccessLogEntry)) == 0


def test_an_after_photo_of_another_order_or_person_is_refused(client, world, staff_headers):
    order = make_order(world, state="accepted")
    other = make_order(world, state="accepted", content="另一处：小区路灯不亮已经一周了，请修理。")
    photo_id = staff_upload(client, staff_headers("h_wangjing"), other.order_no).get_json()[
        "photo_id"
    ]
    resp = client.post(
        f"{STAFF}/orders/{order.order_no}/progress",
        json={"note": "进展", "photo_ids": [photo_id]},
        headers=staff_headers("h_wangjing"),
    )
    assert resp.status_code == 422
    assert resp.get_json()["error"]["message"] == "照片不存在或已过期，请重新上传"


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("h_wangjing", 200),  # the unit handling the order
        ("h_jiuxianqiao", 403),  # another unit
        ("agent", 403),  # the centre, without a reveal
        ("dispatcher", 403),
        ("supervisor", 403),
        ("publisher", 403),
    ],
)
def test_who_among_staff_sees_a_photo(client, world, staff_headers, with_photo, username, status):
    order, photo_id = with_photo()
    before = len(log_entries())
    resp = client.get(
        f"{STAFF}/orders/{order.order_no}/photos/{photo_id}", headers=staff_headers(username)
    )
    assert resp.status_code == status
    entries = log_entries()[before:]
    if status == 200:
        assert resp.mimetype == "image/jpeg"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        (entry,) = entries
        user = world.users[username]
        assert entry.actor == f"staff:{user.id}"
        assert entry.order_no == order.order_no
        assert entry.fields == "attachments.full_image"
        assert entry.purpose == "办理工单查看照片"
        assert entry.value_hashes != "{}"
    else:
        assert entries == []


def test_a_unit_whose_part_ended_no_longer_sees_photos(client, world, staff_headers, with_photo):
    order, photo_id = with_photo()
    lifecycle.complete(order, Actor.of(world.users["h_wangjing"]), "已办结")
    db.session.commit()
    resp = client.get(
        f"{STAFF}/orders/{order.order_no}/photos/{photo_id}", headers=staff_headers("h_wangjing")
    )
    assert resp.status_code == 403
    assert resp.get_json()["error"]["message"] == "您无权查看该工单的照片"


def test_the_uploader_keeps_seeing_their_own_photo(client, world, staff_headers):
    order = make_order(world, state="accepted")
    handler = staff_headers("h_wangjing")
    photo_id = staff_upload(client, handler, order.order_no).get_json()["photo_id"]
    client.post(
        f"{STAFF}/orders/{order.order_no}/complete",
        json={"reply": "已办结", "photo_ids": [photo_id]},
        headers=handler,
    )
    resp = client.get(
        f"{STAFF}/orders/{order.order_no}/photos/{photo_id}?variant=thumb", headers=handler
    )
    assert resp.status_code == 200
    assert log_entries()[-1].fields == "attachments.thumb_image"
    assert log_entries()[-1].purpose == "查看本人上传的照片"


def test_a_privacy_officer_sees_a_photo_by_reveal_with_a_purpose(
    client, world, staff_headers, with_photo
):
    order, photo_id = with_photo()
    path = f"{STAFF}/orders/{order.order_no}/photos/{photo_id}"
    officer = staff_headers("privacy")
    without = client.get(path, headers=officer)
    assert without.status_code == 403
    assert without.get_json()["error"]["code"] == "purpose_required"
    assert log_entries() == []
    resp = client.get(f"{path}?purpose=核查投诉照片是否涉及他人隐私", headers=officer)
    assert resp.status_code == 200
    (entry,) = log_entries()
    assert entry.role == "privacy_officer"
    assert entry.purpose == "核查投诉照片是否涉及他人隐私"


def test_a_confidential_orders_photo_reaches_the_unit_without_identity(
    client, world, staff_headers, with_photo
):
    order, photo_id = with_photo(confidential=True)
    handler = staff_headers("h_wangjing")
    detail = client.get(f"{STAFF}/orders/{order.order_no}", headers=handler).get_json()
    assert detail["identity_hidden"] is True
    assert all(v is None for v in detail["requester"].values())
    assert [p["photo_id"] for p in detail["photos"]] == [photo_id]
    resp = client.get(f"{STAFF}/orders/{order.order_no}/photos/{photo_id}", headers=handler)
    assert resp.status_code == 200
    assert resp.mimetype == "image/jpeg"
    assert not {"X-Requester", "Content-Disposition"} & set(resp.headers.keys())
    # Asking for the phone alongside is refused as ever.
    phone = client.get(f"{STAFF}/orders/{order.order_no}?reveal=phone", headers=handler)
    assert phone.status_code == 403


def test_an_unknown_photo_or_order_is_404(client, world, staff_headers, with_photo):
    order, photo_id = with_photo()
    handler = staff_headers("h_wangjing")
    assert (
        client.get(f"{STAFF}/orders/{order.order_no}/photos/nope", headers=handler).status_code
        == 404
    )
    assert (
        client.get(f"{STAFF}/orders/20990101000000/photos/{photo_id}", headers=handler).status_code
        == 404
    )
    bad = client.get(
        f"{STAFF}/orders/{order.order_no}/photos/{photo_id}?variant=raw", headers=handler
    )
    assert bad.status_code == 422
