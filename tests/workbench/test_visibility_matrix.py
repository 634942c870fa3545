"""Who may see an order, and as what: one matrix of role × the unit's standing on the
order × endpoint, answered by the one rule (``hotline.services.visibility``) that detail,
the work lists, the lifecycle steps and reveal all use.

A unit that handed an order back (or completed it) keeps a masked view of it — its own
steps are on the timeline — but drops out of its work list (``scope=all`` lists it), can
take no step and sees nothing in plaintext."""

from __future__ import annotations

import pytest

from tests.workbench.helpers import API, new_order, step

# The wangjing street office's standing on the order, and how the order got there.
STANDINGS = ("pending", "accepted", "returned", "done")


def _scenario(client, world, staff_headers, standing: str, confidential: bool = False) -> str:
    agent, dispatcher = staff_headers("agent"), staff_headers("dispatcher")
    street, other = staff_headers("h_wangjing"), staff_headers("h_jiuxianqiao")
    no = new_order(client, agent, world, confidential=confidential)["order_no"]
    step(client, dispatcher, no, "dispatch", unit_code="S110105001")
    if standing in ("accepted", "done"):
        step(client, street, no, "accept")
    if standing == "returned":
        step(client, street, no, "return", reason="不属于本街道辖区")
        step(client, dispatcher, no, "dispatch", unit_code="S110105002")
        step(client, other, no, "accept")
    if standing == "done":
        step(client, street, no, "complete", reply="已修复")
    return no


def _in_list(client, headers, no, scope=None) -> bool:
    query = f"?scope={scope}" if scope else ""
    resp = client.get(f"{API}/orders{query}", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return no in {item["order_no"] for item in resp.get_json()["items"]}


EXPECTED_STREET = {
    # standing: (detail, in work list, in scope=all, reveal phone, progress step)
    "pending": (200, True, True, 200, 409),
    "accepted": (200, True, True, 200, 200),
    "returned": (200, False, True, 403, 409),
    "done": (200, False, True, 403, 409),
}


@pytest.mark.parametrize("standing", STANDINGS)
def test_the_unit_on_the_order(client, world, staff_headers, standing):
    no = _scenario(client, world, staff_headers, standing)
    street = staff_headers("h_wangjing")
    detail, listed, listed_all, reveal, progress = EXPECTED_STREET[standing]
    assert client.get(f"{API}/orders/{no}", headers=street).status_code == detail
    assert _in_list(client, street, no) is listed
    assert _in_list(client, street, no, "all") is listed_all
    shown = client.get(f"{API}/orders/{no}?reveal=phone", headers=street)
    assert shown.status_code == reveal
    if reveal == 200:
        assert shown.get_json()["requester"]["phone"] == "13812345678"
    else:
        assert shown.get_json()["error"]["code"] == "plaintext_refused"
    resp = client.post(f"{API}/orders/{no}/progress", json={"note": "跟进"}, headers=street)
    assert resp.status_code == progress


@pytest.mark.parametrize("standing", ["pending", "accepted", "done"])
def test_a_unit_never_given_the_order_sees_nothing(client, world, staff_headers, standing):
    no = _scenario(client, world, staff_headers, standing)
    other = staff_headers("h_jiuxianqiao")
    detail = client.get(f"{API}/orders/{no}", headers=other)
    assert detail.status_code == 403
    assert detail.get_json()["error"]["code"] == "not_your_unit"
    assert not _in_list(client, other, no)
    assert not _in_list(client, other, no, "all")
    assert client.get(f"{API}/orders/{no}?reveal=phone", headers=other).status_code == 403
    resp = client.post(f"{API}/orders/{no}/progress", json={"note": "跟进"}, headers=other)
    assert resp.status_code == 403


@pytest.mark.parametrize(
    ("username", "detail", "reveal"),
    [
        ("agent", 200, 200),  # recorded the order: may check what they typed
        ("dispatcher", 200, 403),
        ("supervisor", 200, 403),
        ("admin", 200, 403),
        ("privacy", 200, 403),  # needs a stated purpose (below)
        ("publisher", 403, 403),
    ],
)
@pytest.mark.parametrize("standing", STANDINGS)
def test_the_hotline_centre(client, world, staff_headers, username, detail, reveal, standing):
    no = _scenario(client, world, staff_headers, standing)
    headers = staff_headers(username)
    assert client.get(f"{API}/orders/{no}", headers=headers).status_code == detail
    assert client.get(f"{API}/orders/{no}?reveal=phone", headers=headers).status_code == reveal
    listed = client.get(f"{API}/orders", headers=headers)
    assert listed.status_code == detail
    if username == "privacy":
        purposed = client.get(f"{API}/orders/{no}?reveal=phone&purpose=核查投诉", headers=headers)
        assert purposed.status_code == 200


@pytest.mark.parametrize("standing", ["pending", "accepted"])
def test_a_confidential_order_hides_the_requester_from_the_unit(
    client, world, staff_headers, standing
):
    no = _scenario(client, world, staff_headers, standing, confidential=True)
    street = staff_headers("h_wangjing")
    body = client.get(f"{API}/orders/{no}", headers=street).get_json()
    assert body["identity_hidden"] is True
    assert set(body["requester"].values()) == {None}
    assert client.get(f"{API}/orders/{no}?reveal=phone", headers=street).status_code == 403
