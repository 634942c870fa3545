"""Search, masked order view, reveal with a purpose, CSV export, verification."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import func, select, text

from hotline.extensions import db
from privacy import access
from privacy.accesslog import AccessContext
from privacy.checkpoint import make_checkpoint
from privacy.models import AccessLogEntry
from privacy.runtime import runtime
from tests.privacy.conftest import PERSON, raw_connection


@pytest.fixture
def read(world):
    """``read("h_wangjing", order, fields)``: a logged plaintext read by a world user."""

    def run(username, order, fields=("requester_phone",), purpose=None):
        user = world.users[username]
        ctx = AccessContext.for_staff(user.id, user.role, user.unit_id, purpose=purpose)
        access.reveal(db.session, order, list(fields), ctx=ctx.for_order(order.id, order.order_no))
        db.session.commit()

    return run


def seqs_on(html: str) -> list[int]:
    import re

    return [int(n) for n in re.findall(r"<tr>\s*<td>(\d+)</td>", html)]


def test_search_by_order_and_by_handler_newest_first(client, officer, make_order, read, world):
    first, second = make_order(), make_order({"phone": "13900001111"})
    read("h_wangjing", first)
    read("h_jiuxianqiao", first)
    read("h_wangjing", second)
    by_order = client.get(f"/privacy/console/?order_no={first.order_no}").get_data(as_text=True)
    assert seqs_on(by_order) == [2, 1]
    assert f'href="/privacy/console/orders/{first.order_no}"' in by_order
    by_actor = client.get("/privacy/console/?actor=h_wangjing").get_data(as_text=True)
    assert seqs_on(by_actor) == [3, 1]
    assert "共 2 条" in by_actor


def test_search_by_typed_phone_keeps_the_number_out_of_urls(client, officer, make_order, read):
    first, second = make_order(), make_order({"phone": "13900001111"})
    read("h_wangjing", first)
    read("h_wangjing", second)
    resp = officer("/privacy/console/", {"value": "139 0000 1111", "value_kind": "phone"})
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert "13900001111" not in location
    assert "vh=" in location
    page = client.get(location).get_data(as_text=True)
    assert seqs_on(page) == [2]
    assert "13900001111" not in page


def test_pages_hold_fifty_entries(client, officer, make_order, read):
    order = make_order()
    for _ in range(51):
        read("agent", order)
    first = client.get("/privacy/console/").get_data(as_text=True)
    assert len(seqs_on(first)) == 50
    assert seqs_on(first)[0] == 51
    assert "第 1 / 2 页" in first
    assert seqs_on(client.get("/privacy/console/?page=2").get_data(as_text=True)) == [1]


def test_order_view_is_masked_and_writes_nothing(client, officer, make_order):
    order = make_order()
    html = client.get(f"/privacy/console/orders/{order.order_no}").get_data(as_text=True)
    assert "138****5678" in html
    assert PERSON["phone"] not in html
    assert db.session.scalar(select(func.count()).select_from(AccessLogEntry)) == 0


def test_reveal_needs_a_purpose_and_is_logged(client, officer, make_order, world):
    order = make_order()
    path = f"/privacy/console/orders/{order.order_no}/reveal"
    refused = officer(path, {"fields": "requester_phone", "purpose": " "})
    assert refused.status_code == 400
    assert "须说明用途" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AccessLogEntry)) == 0
    shown = officer(path, {"fields": "requester_phone", "purpose": "核查投诉人身份"})
    assert shown.status_code == 200
    assert PERSON["phone"] in shown.get_data(as_text=True)
    entry = db.session.scalar(select(AccessLogEntry))
    assert entry.actor == f"staff:{world.users['privacy'].id}"
    assert entry.purpose == "核查投诉人身份"
    assert entry.fields == "orders.requester_phone"
    assert entry.order_no == order.order_no


def test_csv_export_has_a_bom_and_is_itself_logged(client, officer, make_order, read):
    order = make_order()
    read("h_wangjing", order)
    resp = officer("/privacy/console/export.csv", {"order_no": order.order_no})
    assert resp.status_code == 200
    body = resp.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["序号", "时间", "操作"]
    assert [r[0] for r in rows[1:]] == ["1"]
    db.session.expire_all()
    export = db.session.scalar(select(AccessLogEntry).where(AccessLogEntry.action == "export"))
    assert f"order_no={order.order_no}" in export.purpose


def test_verify_reports_intact_then_names_the_edited_entry(client, officer, make_order, read):
    order = make_order()
    for name in ("h_wangjing", "h_jiuxianqiao", "agent"):
        read(name, order)
    ok = officer("/privacy/console/verify").get_data(as_text=True)
    assert "访问日志完整，截至第 3 条" in ok
    with raw_connection() as conn:
        conn.execute(text("UPDATE access_log SET purpose = 'x' WHERE seq = 2"))
    broken = officer("/privacy/console/verify").get_data(as_text=True)
    assert "首个异常条目为第 2 条" in broken


def test_verify_checks_an_uploaded_checkpoint_and_the_cli(
    client, officer, make_order, read, runner, tmp_path
):
    order = make_order()
    read("agent", order)
    doc = make_checkpoint(db.session, runtime().ring)
    upload = (io.BytesIO(json.dumps(doc).encode()), "cp.json")
    page = officer("/privacy/console/verify", {"checkpoint": upload}).get_data(as_text=True)
    assert "检查点（第 1 条）与日志一致" in page
    path = tmp_path / "cp.json"
    path.write_text(json.dumps({**doc, "seq": 7}), encoding="utf-8")
    result = runner.invoke(args=["privacy", "console", "verify", "--checkpoint", str(path)])
    assert result.exit_code == 1
    assert "访问日志完整，截至第 1 条" in result.output
    assert "检查点验证失败" in result.output
