"""Every new endpoint is limited per phone and per address: a phone changing addresses
stays limited, and so does an address changing phones; the answer is 429 with Retry-After
and the Chinese message."""

from __future__ import annotations

import pytest

from tests.hotline.test_images import encode, photo
from tests.miniapp_api.helpers import API, OTHER_PHONE, PHONE, login
from tests.miniapp_api.test_photos import post_form

NO = "20260101000001"
PHOTO = "00000000-0000-4000-8000-000000000000"


def _upload(client, headers, addr):
    small = encode(photo((32, 24)), "JPEG")
    return post_form(
        client,
        f"{API}/photos",
        {"photo": (small, "a.jpg")},
        headers=headers,
        environ_base={"REMOTE_ADDR": addr},
    )


CALLS = {
    "photo": _upload,
    "photo_read": lambda c, h, a: c.get(
        f"{API}/orders/{NO}/photos/{PHOTO}", headers=h, environ_base={"REMOTE_ADDR": a}
    ),
    "act": lambda c, h, a: c.post(
        f"{API}/orders/{NO}/urge", headers=h, environ_base={"REMOTE_ADDR": a}
    ),
    "mydata": lambda c, h, a: c.get(f"{API}/me/reads", headers=h, environ_base={"REMOTE_ADDR": a}),
    "export": lambda c, h, a: c.get(f"{API}/me/export", headers=h, environ_base={"REMOTE_ADDR": a}),
    "erasure": lambda c, h, a: c.post(
        f"{API}/me/erasure-requests", json={}, headers=h, environ_base={"REMOTE_ADDR": a}
    ),
}


@pytest.mark.parametrize("group", sorted(CALLS))
@pytest.mark.parametrize("key", ["phone", "client"])
def test_each_new_endpoint_is_limited(make_citizen_app, world, group, key):
    app = make_citizen_app(limits={f"{group}_{key}": "1/hour"})
    client = app.test_client()
    mine, other = login(client, PHONE), login(client, OTHER_PHONE)
    call = CALLS[group]
    first = call(client, mine, "10.0.0.1")
    assert first.status_code != 429
    if key == "phone":  # the same phone from elsewhere
        second = call(client, mine, "10.0.0.2")
        other_key = call(client, other, "10.0.0.3")
    else:  # another phone from the same address
        second = call(client, other, "10.0.0.1")
        other_key = call(client, other, "10.0.0.4")
    assert second.status_code == 429
    assert int(second.headers["Retry-After"]) > 0
    assert second.get_json()["error"]["message"] == "请求过于频繁，请稍后再试"
    assert other_key.status_code != 429
