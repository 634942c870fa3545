"""Photos a citizen attaches to a new request or to their open order: every bad file gets
a clear Chinese 4xx and leaves nothing behind; a good one is stored re-encoded, without its
GPS tags, sealed and bound to its order and variant; only its owner sees it."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select, update

from hotline.extensions import db
from hotline.models.attachments import Attachment, binding_uuid
from hotline.models.enums import AttachmentState
from hotline.services.citizen import photos
from privacy.crypto import DecryptionError
from privacy.fields import open_field
from privacy.models import AccessLogEntry
from privacy.orm import utcnow
from privacy.runtime import runtime
from tests.hotline.test_images import (
    HTML,
    a_zip,
    encode,
    jpeg_claiming,
    photo,
    png_claiming,
    private_exif,
)
from tests.miniapp_api.helpers import API, OTHER_PHONE, make_order

CJK = re.compile(r"[\u4e00-\u9fff]")


def gps_jpeg(size=(640, 480)) -> bytes:
    """A camera photo with GPS, maker and serial-number tags."""
    return encode(photo(size), "JPEG", exif=private_exif(orientation=6), quality=90)


def multipart(fields: dict) -> tuple[bytes, str]:
    """A multipart/form-data body, encoded here: werkzeug's test client spools a body over
    500 KB into a temporary file it never closes (a ResourceWarning, an error here)."""
    boundary = "----yg-test-boundary"
    out = io.BytesIO()
    for name, values in fields.items():
        for value in values if isinstance(values, list) else [values]:
            out.write(f"--{boundary}\r\n".encode())
            if isinstance(value, tuple):
                data, filename = value
                out.write(
                    f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n".encode()
                )
                out.write(data)
            else:
                out.write(f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
                out.write(str(value).encode())
            out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def post_form(client, path: str, fields: dict, **kw):
    body, content_type = multipart(fields)
    return client.post(path, data=body, content_type=content_type, **kw)


def upload(client, headers, data: bytes, name: str = "IMG_0001.jpg", **kw):
    return post_form(client, f"{API}/photos", {"photo": (data, name)}, headers=headers, **kw)


def uploaded(client, headers, data: bytes | None = None) -> str:
    resp = upload(client, headers, data or gps_jpeg())
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["photo_id"]


def stored() -> int:
    return db.session.scalar(select(func.count(Attachment.id)))


SUBMIT = {
    "kind": "complaint",
    "district_code": "110105",
    "street_code": "110105001",
    "content": "望京西园三区门口的井盖破损，晚上很危险。",
    "channel": "web",
}


# -- good photos --------------------------------------------------------------------------
def test_photo_with_gps_tags_is_stored_without_any_metadata(client, world, citizen):
    original = gps_jpeg()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    resp = upload(client, citizen(), original)
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["mime"] == "image/jpeg"
    # Orientation 6 was applied to the pixels: the stored photo is upright, 480 x 640.
    assert (body["width"], body["height"]) == (480, 640)
    assert max(body["thumb_width"], body["thumb_height"]) <= 320

    submitted = client.post(
        f"{API}/orders", json={**SUBMIT, "photo_ids": [body["photo_id"]]}, headers=citizen()
    )
    assert submitted.status_code == 201, submitted.get_json()
    no = submitted.get_json()["order_no"]
    detail = client.get(f"{API}/orders/{no}", headers=citizen()).get_json()
    received = detail["timeline"][0]
    assert received["label"] == "受理"
    assert [p["photo_id"] for p in received["photos"]] == [body["photo_id"]]

    full = client.get(received["photos"][0]["url"], headers=citizen())
    assert full.status_code == 200
    assert full.mimetype == "image/jpeg"
    assert full.headers["X-Content-Type-Options"] == "nosniff"
    image = Image.open(io.BytesIO(full.data))
    assert image.size == (480, 640)
    assert not image.getexif()
    for needle in (b"Exif", b"Huawei", b"SECRET", b"MAKERNOTE", b"GPS"):
        assert needle not in full.data
    thumb = client.get(received["photos"][0]["thumb_url"], headers=citizen())
    assert thumb.status_code == 200
    assert max(Image.open(io.BytesIO(thumb.data)).size) <= 320


def test_photos_are_sealed_at_rest(client, world, citizen):
    data = encode(photo(), "PNG")  # a PNG screenshot keeps its exact pixels
    photo_id = uploaded(client, citizen(), data)
    with db.engine.connect() as conn:
        raw = conn.exec_driver_sql("SELECT full_image, thumb_image FROM attachments").one()
    full, thumb = bytes(raw[0]), bytes(raw[1])
    assert full.startswith(b"YG")
    assert thumb.startswith(b"YG")
    assert b"IHDR" not in full
    assert b"IDAT" not in full
    att = db.session.scalar(select(Attachment).where(Attachment.public_id == photo_id))
    png = open_field(runtime().cipher, att, "full_image")
    assert png.startswith(b"\x89PNG")


def test_a_copied_blob_opens_nowhere_else(client, world, citizen):
    order = make_order(world, state="accepted")
    ids = [uploaded(client, citizen()) for _ in range(2)]
    resp = client.post(
        f"{API}/orders/{order.order_no}/information", json={"photo_ids": ids}, headers=citizen()
    )
    assert resp.status_code == 201
    first, second = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    cipher = runtime().cipher
    assert first.uuid == binding_uuid(order.uuid, first.public_id)
    assert open_field(cipher, first, "full_image")
    # Another photo's row, the other variant, another order: none of them opens.
    for target, column in ((second, "full_image"), (first, "thumb_image")):
        db.session.execute(
            update(Attachment).where(Attachment.id == target.id).values({column: first.full_image})
        )
    db.session.commit()
    db.session.expire_all()
    second = db.session.get(Attachment, second.id)
    first = db.session.get(Attachment, first.id)
    with pytest.raises(DecryptionError):
        open_field(cipher, second, "full_image")
    with pytest.raises(DecryptionError):
        open_field(cipher, first, "thumb_image")
    other = make_order(world, state="accepted", content="另一个工单：小区路灯不亮。")
    first.order_id = other.id
    db.session.commit()
    with pytest.raises(DecryptionError):
        photos.check_binding(first, other.uuid)
    gone = client.get(f"{API}/orders/{other.order_no}/photos/{first.public_id}", headers=citizen())
    assert gone.status_code == 500  # an integrity failure, logged; never the pixels


# -- bad files ----------------------------------------------------------------------------
BAD_FILES = [
    pytest.param(b"", 422, "image_empty", id="zero-bytes"),
    pytest.param(gps_jpeg()[: len(gps_jpeg()) // 2], 422, "image_corrupt", id="truncated"),
    pytest.param(gps_jpeg() + a_zip(), 422, "image_trailing_data", id="polyglot-zip"),
    pytest.param(gps_jpeg() + HTML, 422, "image_trailing_data", id="polyglot-html"),
    pytest.param(b"\xff\xd8\xff\xe0" + HTML, 422, "image_corrupt", id="html-behind-jpeg-magic"),
    pytest.param(b"GIF89a" + b"\0" * 64, 415, "image_unsupported_type", id="gif"),
    pytest.param(b"%PDF-1.7\n" + b"\0" * 64, 415, "image_unsupported_type", id="pdf"),
    pytest.param(HTML, 415, "image_unsupported_type", id="html"),
    pytest.param(png_claiming(50_000, 50_000), 422, "image_too_many_pixels", id="50000x50000-png"),
    pytest.param(jpeg_claiming(50_000, 50_000), 422, "image_too_many_pixels", id="50000x50000-jpg"),
]


@pytest.mark.parametrize(("data", "status", "code"), BAD_FILES)
def test_a_bad_file_gets_a_chinese_4xx_and_nothing_is_stored(
    client, world, citizen, data, status, code
):
    resp = upload(client, citizen(), data, name="photo.jpg")
    assert resp.status_code == status
    error = resp.get_json()["error"]
    assert error["code"] == code
    assert CJK.search(error["message"])
    assert stored() == 0


def test_the_type_comes_from_the_bytes_not_the_name(client, world, citizen):
    assert upload(client, citizen(), HTML, name="cat.jpg").status_code == 415
    assert upload(client, citizen(), gps_jpeg(), name="notes.txt").status_code == 201


def test_over_ten_megabytes_is_413(client, world, citizen):
    big = b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024)
    resp = upload(client, citizen(), big)
    assert resp.status_code == 413
    assert resp.get_json()["error"]["code"] == "image_too_large"
    assert "10 MB" in resp.get_json()["error"]["message"]
    much_bigger = upload(client, citizen(), b"\xff\xd8\xff" + b"\0" * (11 * 1024 * 1024))
    assert much_bigger.status_code == 413
    assert CJK.search(much_bigger.get_json()["error"]["message"])
    assert stored() == 0


def test_a_request_that_is_not_one_photo_is_refused(client, world, citizen):
    as_json = client.post(f"{API}/photos", json={"photo": "abc"}, headers=citizen())
    assert as_json.status_code == 415
    assert "multipart/form-data" in as_json.get_json()["error"]["message"]
    empty = client.post(
        f"{API}/photos", data={}, content_type="multipart/form-data", headers=citizen()
    )
    assert empty.status_code == 422
    assert empty.get_json()["error"]["details"]["fields"]["photo"] == ["此项为必填项"]
    two = post_form(
        client,
        f"{API}/photos",
        {"photo": [(gps_jpeg(), "a.jpg"), (gps_jpeg(), "b.jpg")]},
        headers=citizen(),
    )
    assert two.status_code == 422
    assert two.get_json()["error"]["message"] == "每次只能上传一张照片"
    extra = post_form(
        client,
        f"{API}/photos",
        {"photo": (gps_jpeg(), "a.jpg"), "lat": "39.9"},
        headers=citizen(),
    )
    assert extra.status_code == 422
    assert client.post(f"{API}/photos", data={}).status_code == 401
    assert stored() == 0


# -- limits -------------------------------------------------------------------------------
def test_at_most_six_photos_per_request_and_twenty_four_per_order(app, client, world, citizen):
    ids = [uploaded(client, citizen(), encode(photo((64, 48)), "JPEG")) for _ in range(7)]
    seven = client.post(f"{API}/orders", json={**SUBMIT, "photo_ids": ids}, headers=citizen())
    assert seven.status_code == 422
    assert seven.get_json()["error"]["message"] == "每次最多添加 6 张照片"
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 7  # still staged
    six = client.post(f"{API}/orders", json={**SUBMIT, "photo_ids": ids[:6]}, headers=citizen())
    assert six.status_code == 201

    app.config["PHOTOS_PER_ORDER"] = 7
    no = six.get_json()["order_no"]
    more = [ids[6], uploaded(client, citizen(), encode(photo((64, 48)), "JPEG"))]
    resp = client.post(
        f"{API}/orders/{no}/information", json={"photo_ids": more}, headers=citizen()
    )
    assert resp.status_code == 422
    assert resp.get_json()["error"]["message"] == "每个工单最多添加 7 张照片"


def test_unused_uploads_are_capped_and_expire(app, client, world, citizen):
    app.config["PHOTO_STAGED_MAX"] = 2
    small = encode(photo((64, 48)), "JPEG")
    first = uploaded(client, citizen(), small)
    uploaded(client, citizen(), small)
    third = upload(client, citizen(), small)
    assert third.status_code == 409
    assert "未提交的照片" in third.get_json()["error"]["message"]
    # Another phone has its own room.
    assert upload(client, citizen(OTHER_PHONE), small).status_code == 201
    # A day later the unused ones are gone: the upload goes through, the old id is refused.
    db.session.execute(update(Attachment).values(created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    assert upload(client, citizen(), small).status_code == 201
    late = client.post(f"{API}/orders", json={**SUBMIT, "photo_ids": [first]}, headers=citizen())
    assert late.status_code == 422
    assert late.get_json()["error"]["message"] == "照片不存在或已过期，请重新上传"
    assert stored() == 1


def test_an_unused_upload_can_be_removed_by_its_owner_only(client, world, citizen):
    photo_id = uploaded(client, citizen())
    assert (
        client.delete(f"{API}/photos/{photo_id}", headers=citizen(OTHER_PHONE)).status_code == 404
    )
    assert client.delete(f"{API}/photos/{photo_id}", headers=citizen()).status_code == 204
    assert client.delete(f"{API}/photos/{photo_id}", headers=citizen()).status_code == 404
    assert client.delete(f"{API}/photos/not-a-uuid", headers=citizen()).status_code == 404
    assert stored() == 0


def test_another_phone_cannot_use_my_upload(client, world, citizen):
    photo_id = uploaded(client, citizen())
    resp = client.post(
        f"{API}/orders", json={**SUBMIT, "photo_ids": [photo_id]}, headers=citizen(OTHER_PHONE)
    )
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == "photo_not_found"


def test_uploads_wait_for_a_free_slot_then_get_503(app, client, world, citizen, monkeypatch):
    app.config["PHOTO_QUEUE_SECONDS"] = 0.05
    slot = photos._slot()  # noqa: SLF001  (hold every slot, as long-running uploads would)
    held = []
    while slot.acquire(blocking=False):
        held.append(True)
    try:
        resp = upload(client, citizen(), gps_jpeg())
    finally:
        for _ in held:
            slot.release()
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "5"
    assert resp.get_json()["error"]["message"] == "照片处理繁忙，请稍后再试"
    assert stored() == 0


# -- who sees a photo ---------------------------------------------------------------------
def test_another_phone_gets_404_like_an_unknown_photo(client, world, citizen):
    order = make_order(world, state="accepted")
    photo_id = uploaded(client, citizen())
    client.post(
        f"{API}/orders/{order.order_no}/information",
        json={"photo_ids": [photo_id]},
        headers=citizen(),
    )
    path = f"{API}/orders/{order.order_no}/photos/{photo_id}"
    assert client.get(path, headers=citizen()).status_code == 200
    theirs = client.get(path, headers=citizen(OTHER_PHONE))
    unknown = client.get(f"{API}/orders/20990101000000/photos/{photo_id}", headers=citizen())
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.get_data() == unknown.get_data()
    wrong_photo = client.get(
        f"{API}/orders/{order.order_no}/photos/00000000-0000-4000-8000-000000000000",
        headers=citizen(),
    )
    assert wrong_photo.status_code == 404
    assert wrong_photo.get_json()["error"]["message"] == "照片不存在"
    bad_variant = client.get(f"{path}?variant=original", headers=citizen())
    assert bad_variant.status_code == 422
    # The owner's own views are not staff reads: no access-log entry.
    assert db.session.scalar(select(func.count()).select_from(AccessLogEntry)) == 0


def test_a_staged_photo_is_nobodys_to_view(client, world, citizen):
    order = make_order(world, state="accepted")
    photo_id = uploaded(client, citizen())
    resp = client.get(f"{API}/orders/{order.order_no}/photos/{photo_id}", headers=citizen())
    assert resp.status_code == 404
    att = db.session.scalar(select(Attachment))
    assert att.state == AttachmentState.STAGED


# -- keys and retention -------------------------------------------------------------------
def test_key_rotation_seals_photos_again_under_the_new_key(client, world, citizen, keyring):
    from privacy.crypto import FieldCipher
    from privacy.rotation import rotate

    order = make_order(world, state="accepted")
    photo_id = uploaded(client, citizen())
    client.post(
        f"{API}/orders/{order.order_no}/information",
        json={"photo_ids": [photo_id]},
        headers=citizen(),
    )
    before = client.get(f"{API}/orders/{order.order_no}/photos/{photo_id}", headers=citizen())
    new = FieldCipher(keyring.with_primary("k2"))
    rotate(db.session, new)
    db.session.expire_all()
    att = db.session.scalar(select(Attachment))
    assert (att.full_image.key_id, att.thumb_image.key_id) == ("k2", "k2")
    assert open_field(new, att, "full_image") == before.data


def test_retention_erases_the_photos_of_a_long_withdrawn_request(world):
    from hotline.services import lifecycle, retention
    from hotline.services.actors import Actor
    from hotline.services.citizen.auth import phone_bidx
    from tests.miniapp_api.helpers import PHONE

    long_ago = utcnow() - timedelta(days=4 * 365)
    order = make_order(world, state="received", at=long_ago)
    bidx = phone_bidx(PHONE)
    actor = Actor.citizen(bidx)
    att = photos.stage_for_citizen(bidx, gps_jpeg())
    event = lifecycle.add_information(order, actor, "补充照片", photos=1, at=long_ago)
    photos.attach_citizen(order, event, bidx, [att.public_id])
    lifecycle.withdraw(order, actor, "已解决", at=long_ago + timedelta(hours=1))
    db.session.commit()
    result = retention.erase_expired(db.session, years=3)
    assert result.erased == 1
    att = db.session.get(Attachment, att.id)
    assert att.state == AttachmentState.ERASED
    assert att.full_image is None
    assert att.thumb_image is None
    entry = db.session.scalar(select(AccessLogEntry).where(AccessLogEntry.action == "erase"))
    assert "attachments.full_image" in entry.fields.split(",")
