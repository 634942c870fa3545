"""Open311 GeoReport v2 (read only): the specification's fields and shapes, its filters, and
the privacy rule — nothing newer than N days, no free text or personal data, the street as
the location, no category × street × week cell under 10, ids that reveal nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import select, update

from hotline.extensions import db
from hotline.models.orders import Order
from hotline.reports import open_data
from privacy.orm import utcnow
from tests.portal import dataset
from tests.portal.factories import at, order, world_with_places
from tests.workbench.helpers import new_order

BASE = "/open311/v2"
# The specification's request fields we publish; description, status_notes, address_id,
# zipcode, lat, long, media_url and service_notice are never sent.
PUBLISHED = {
    "service_request_id",
    "status",
    "service_name",
    "service_code",
    "agency_responsible",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
}
SPEC_FIELDS = PUBLISHED | {
    "status_notes",
    "description",
    "service_notice",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


def week_orders(monday, n, district, street, category, **kw):
    return [
        order(
            at(monday.year, monday.month, monday.day, 8 + i % 10, i) + timedelta(days=i % 7),
            district,
            street,
            category,
            **kw,
        )
        for i in range(n)
    ]


@pytest.fixture
def open_world(app, world, client, staff_headers):
    w = world_with_places(world)
    from datetime import date

    w10 = date(2025, 3, 3)  # ISO week 2025-W10
    specs = week_orders(w10, 11, "chaoyang", "wangjing", "lift")  # 11 + 1 below = 12
    specs += week_orders(w10, 9, "chaoyang", "wangjing", "parking")  # 9: left out
    specs += week_orders(w10, 10, "haidian", "zhongguancun", "lift", answered=True)  # exactly 10
    specs += week_orders(date(2025, 3, 10), 5, "chaoyang", "wangjing", "lift")  # W11: 5, out
    recent = (utcnow() - timedelta(days=3)).date()
    specs += week_orders(
        recent - timedelta(days=recent.weekday()), 15, "chaoyang", "wangjing", "lift"
    )
    dataset.insert_specs(specs, w.places)
    # One order through the staff API, with a requester and free text, moved into W10.
    made = new_order(client, staff_headers("agent"), world)
    db.session.execute(
        update(Order)
        .where(Order.order_no == made["order_no"])
        .values(received_at=at(2025, 3, 5, 9), deadline_at=at(2025, 3, 12, 9))
    )
    db.session.commit()
    w.secret_order_no = made["order_no"]
    return w


def test_a_journalist_fetches_requests_json(client, open_world):
    resp = client.get(
        f"{BASE}/requests.json?start_date=2025-03-01T00:00:00%2B08:00"
        "&end_date=2025-04-01T00:00:00%2B08:00"
    )
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/json")
    rows = resp.get_json()
    assert isinstance(rows, list)
    assert len(rows) == 12 + 10  # the two cells of at least 10, nothing else
    for row in rows:
        assert set(row) == PUBLISHED
        assert set(row) <= SPEC_FIELDS
        assert row["status"] in ("open", "closed")
        assert row["address"] in ("朝阳区望京街道", "海淀区中关村街道")
        assert re.fullmatch(r"2025-03-0\dT00:00:00\+08:00", row["requested_datetime"])
        assert row["service_code"] in ("030101",)
        assert re.fullmatch(r"[a-z2-7]{26}", row["service_request_id"])
    agencies = {r["agency_responsible"] for r in rows}
    assert agencies <= {"北京市朝阳区望京街道办事处", "北京市12345市民服务热线"}
    closed = [r for r in rows if r["address"] == "海淀区中关村街道"]
    assert {r["status"] for r in closed} == {"closed"}  # answered directly
    assert {r["agency_responsible"] for r in closed} == {"北京市12345市民服务热线"}


def test_no_personal_data_free_text_or_order_number_appears(client, open_world):
    body = client.get(
        f"{BASE}/requests.json?start_date=2025-03-01T00:00:00Z&end_date=2025-04-01T00:00:00Z"
    ).get_data(as_text=True)
    xml = client.get(
        f"{BASE}/requests.xml?start_date=2025-03-01T00:00:00Z&end_date=2025-04-01T00:00:00Z"
    ).get_data(as_text=True)
    for text in (body, xml):
        for secret in (
            "欧阳",
            "娜娜",
            "13812345678",
            "1381",
            "望京西园",
            "5号楼",
            "电梯停运",
            "物业",
            open_world.secret_order_no,
            "T0000",
        ):
            assert secret not in text, secret
        for field in ("description", "lat", "long", "media_url", "status_notes"):
            assert field not in text
    ids = re.findall(r'"service_request_id": ?"(\w+)"', body)
    orders = db.session.execute(select(Order.id, Order.order_no, Order.uuid)).all()
    for o in orders:
        assert o.order_no not in body
        assert o.uuid not in body
    assert len(ids) == len(set(ids)) == 22  # 12 (with the staff API's order) + 10
    # The id is the row id under a key: it decodes, it is not the order number, and
    # neighbouring rows give unrelated ids.
    by_id = {open_data.order_id_of(i): i for i in ids}
    assert None not in by_id
    assert open_data.public_id(1)[:6] != open_data.public_id(2)[:6]


def test_nothing_newer_than_the_delay_and_no_small_cell(client, open_world):
    rows = client.get(f"{BASE}/requests.json").get_json()  # default: the last 90 days
    assert rows == []  # the only recent orders are newer than 30 days
    cutoff = open_data.publication_cutoff()
    assert cutoff <= utcnow() - timedelta(days=30)
    everything = []
    for start in ("2025-01-01", "2025-03-31", "2025-06-29"):
        everything += client.get(
            f"{BASE}/requests.json?start_date={start}T00:00:00Z&page_size=1000"
            f"&end_date={start[:5]}{int(start[5:7]) + 2:02d}-28T00:00:00Z"
        ).get_json()
    assert {r["address"] for r in everything} == {"朝阳区望京街道", "海淀区中关村街道"}
    assert all(r["service_code"] != "050101" for r in everything)  # the 9-order cell
    assert all(not r["requested_datetime"].startswith("2025-03-1") for r in everything)  # W11


def test_a_start_date_alone_reaches_ninety_days_on(client, open_world):
    rows = client.get(f"{BASE}/requests.json?start_date=2025-02-01T00:00:00%2B08:00").get_json()
    assert len(rows) == 22
    assert client.get(f"{BASE}/requests.json?end_date=2025-04-01T00:00:00Z").get_json() != []


def test_filters_paging_and_a_single_request(client, open_world):
    q = "start_date=2025-03-01T00:00:00Z&end_date=2025-04-01T00:00:00Z"
    closed = client.get(f"{BASE}/requests.json?{q}&status=closed").get_json()
    opened = client.get(f"{BASE}/requests.json?{q}&status=open").get_json()
    assert len(closed) + len(opened) == 22
    assert {r["status"] for r in closed} == {"closed"}
    assert client.get(f"{BASE}/requests.json?{q}&service_code=050101").get_json() == []
    assert len(client.get(f"{BASE}/requests.json?{q}&service_code=030101,050101").get_json()) == 22
    page1 = client.get(f"{BASE}/requests.json?{q}&page_size=10").get_json()
    page3 = client.get(f"{BASE}/requests.json?{q}&page_size=10&page=3").get_json()
    assert (len(page1), len(page3)) == (10, 2)
    assert not {r["service_request_id"] for r in page1} & {r["service_request_id"] for r in page3}
    one = page1[0]
    single = client.get(f"{BASE}/requests/{one['service_request_id']}.json")
    assert single.get_json() == [one]
    xml = client.get(f"{BASE}/requests/{one['service_request_id']}.xml")
    root = ElementTree.fromstring(xml.data)
    assert root.tag == "service_requests"
    assert [c.tag for c in root] == ["request"]
    assert {c.tag for c in root[0]} == PUBLISHED
    assert root[0].find("service_request_id").text == one["service_request_id"]
    many = client.get(f"{BASE}/requests.json?service_request_id={one['service_request_id']},x")
    assert many.get_json() == [one]


def test_discovery_and_services(client, open_world):
    discovery = client.get(f"{BASE}/discovery.json").get_json()
    endpoint = discovery["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://localhost/open311/v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = ElementTree.fromstring(client.get("/open311/discovery.xml").data)
    assert root.tag == "discovery"
    assert [f.text for f in root.iter("format")] == ["text/xml", "application/json"]
    services = client.get(f"{BASE}/services.json").get_json()
    codes = {s["service_code"]: s for s in services}
    assert set(codes) == {"030101", "030102", "050101", "050102"}  # level-3 categories only
    assert codes["050101"] == {
        "service_code": "050101",
        "service_name": "违章停车",
        "description": "交通管理 › 停车管理 › 违章停车",
        "metadata": False,
        "type": "realtime",
        "keywords": "停车管理",
        "group": "交通管理",
    }
    xml = ElementTree.fromstring(client.get(f"{BASE}/services.xml").data)
    assert xml.tag == "services"
    assert xml[0].tag == "service"
    assert xml[0].find("metadata").text == "false"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"{BASE}/requests.json?start_date=yesterday", 400),
        (f"{BASE}/requests.json?status=pending", 400),
        (f"{BASE}/requests.json?page=0", 400),
        (f"{BASE}/requests.json?page_size=5000", 400),
        (
            f"{BASE}/requests.json?start_date=2025-01-01T00:00:00Z&end_date=2025-06-01T00:00:00Z",
            400,
        ),
        (
            f"{BASE}/requests.json?start_date=2025-06-01T00:00:00Z&end_date=2025-01-01T00:00:00Z",
            400,
        ),
        (f"{BASE}/requests/abc.json", 404),
        (f"{BASE}/requests/{'a' * 26}.json", 404),
        (f"{BASE}/requests/{'é' * 26}.json", 404),
        (f"{BASE}/requests.json?start_date=3000-01-01T00:00:00Z", 400),
        (f"{BASE}/services/050101.json", 404),
        (f"{BASE}/nothing.json", 404),
        (f"{BASE}/requests.csv", 404),
    ],
)
def test_errors_in_the_open311_shape(client, open_world, path, status):
    resp = client.get(path)
    assert resp.status_code == status
    body = resp.get_json()
    assert isinstance(body, list)
    assert body[0]["code"] == status
    assert re.search("[\u4e00-\u9fff]", body[0]["description"])
    xml = client.get(path.replace(".json", ".xml", 1))
    if path.endswith(".csv"):
        return
    root = ElementTree.fromstring(xml.data)
    assert root.tag == "errors"
    assert root[0].find("code").text == str(status)


def test_each_client_is_rate_limited(make_app, world):
    app = make_app(OPEN311_RATE_LIMITS={"read_client": "3/minute"})
    with app.app_context():
        client = app.test_client()
        for _ in range(3):
            assert client.get(f"{BASE}/services.json").status_code == 200
        limited = client.get(f"{BASE}/services.xml")
        assert limited.status_code == 429
        assert limited.headers["Retry-After"]
        root = ElementTree.fromstring(limited.data)
        assert root[0].find("code").text == "429"
