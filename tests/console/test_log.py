"""Search, masked order view, reveal with a purpose, CSV export, verification."""

from __future__ import annotations

import csv
import io
import json
import re

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
    header = rows[0]
    assert header[:4] == ["序号", "时间（北京）", "操作", "操作人"]
    assert [r[0] for r in rows[1:]] == ["1"]
    row = dict(zip(header, rows[1], strict=True))
    # The same names as on the pages: person, role, unit and field in Chinese.
    assert row["操作"] == "查看明文"
    assert row["操作人"] == "王建国"
    assert row["用户名"] == "h_wangjing"
    assert row["角色"] == "承办人员"
    assert row["单位"] == "北京市朝阳区望京街道办事处"
    assert row["字段"] == "电话"
    db.session.expire_all()
    export = db.session.scalar(select(AccessLogEntry).where(AccessLogEntry.action == "export"))
    assert f"工单编号={order.order_no}" in export.purpose


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


def test_entries_name_people_units_and_fields(client, officer, make_order, read, world):
    order = make_order()
    read("h_wangjing", order, ("requester_name", "requester_phone"), purpose="回访核实")
    html = client.get("/privacy/console/").get_data(as_text=True)
    assert "staff:" not in html.split("<table", 1)[1]
    assert '>王建国</a> <span class="username">h_wangjing</span>' in html
    assert "<td>承办人员</td><td>北京市朝阳区望京街道办事处</td>" in html
    assert "<td>姓名、电话</td>" in html
    assert "orders.requester" not in html.split("<table", 1)[1]  # no column names in the table
    assert 'href="/privacy/console/?actor=h_wangjing"' in html


@pytest.mark.parametrize("typed", ["h_wangjing", "staff:{id}", "{id}", " h_wangjing "])
def test_the_actor_filter_takes_a_username_or_an_id(
    client, officer, make_order, read, world, typed
):
    order = make_order()
    read("h_wangjing", order)
    read("h_jiuxianqiao", order)
    actor = typed.format(id=world.users["h_wangjing"].id)
    html = client.get("/privacy/console/", query_string={"actor": actor}).get_data(as_text=True)
    assert seqs_on(html) == [1]
    assert "操作人：王建国（h_wangjing） · 北京市朝阳区望京街道办事处" in html
    assert "用户名（如 agent01）或编号（如 staff:12 或 12）" in html  # the form says so


@pytest.mark.parametrize("typed", ["nobody", "staff:999999", "staff:x", "99999999999999"])
def test_an_unknown_actor_is_said_to_be_unknown(client, officer, make_order, read, typed):
    read("h_wangjing", make_order())
    resp = client.get("/privacy/console/", query_string={"actor": typed})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert seqs_on(html) == []
    assert f"没有用户名或编号为“{typed}”的工作人员" in html


def test_system_tasks_and_the_requester_are_named(client, officer, make_order, world):
    from privacy.roles import CITIZEN_ROLE

    order = make_order()
    for ctx in (
        AccessContext.for_system("retention", purpose="保存期满"),
        AccessContext(actor=CITIZEN_ROLE, role=CITIZEN_ROLE, purpose="本人查阅"),
    ):
        access.reveal(
            db.session, order, ["requester_phone"], ctx=ctx.for_order(order.id, order.order_no)
        )
    db.session.commit()
    html = client.get("/privacy/console/").get_data(as_text=True)
    assert "系统任务：到期删除个人信息" in html
    assert "诉求人本人" in html
    assert seqs_on(
        client.get("/privacy/console/?actor=system:retention").get_data(as_text=True)
    ) == [1]


def test_the_field_filter_offers_chinese_names(client, officer, make_order, read):
    order = make_order()
    read("agent", order, ("requester_name",))
    read("agent", order, ("requester_phone",))
    page = client.get("/privacy/console/").get_data(as_text=True)
    assert '<option value="orders.requester_phone">电话</option>' in page
    assert "微信OpenID（微信绑定）" in page
    html = client.get("/privacy/console/?field=orders.requester_name").get_data(as_text=True)
    assert seqs_on(html) == [1]
    assert '<option value="orders.requester_name" selected>姓名</option>' in html


def test_a_bad_filter_is_marked_next_to_its_field(client, officer):
    resp = client.get("/privacy/console/?since=2026-13-40&actor=agent&until=2026-01-01")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "有 1 项填写有误" in html
    assert 'id="err-since">起始日期格式应为 年-月-日</span>' in html
    assert (
        'id="f-since" name="since" type="date" value="2026-13-40" '
        'aria-describedby="err-since" aria-invalid="true"'
    ) in html
    assert 'name="actor" type="text" value="agent"' in html  # what was typed stays
    assert 'id="result-count"' not in html  # no search ran
    backwards = client.get("/privacy/console/?since=2026-02-01&until=2026-01-01")
    assert "截止日期不能早于起始日期" in backwards.get_data(as_text=True)


def test_a_typed_number_of_the_wrong_kind_is_refused_where_it_was_typed(client, officer):
    resp = officer("/privacy/console/", {"value": "13900001111", "value_kind": "id_number"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert 'id="err-value">这不像身份证号，请核对后重新输入</span>' in html
    assert "13900001111" not in html  # a typed number is never echoed


def test_a_refused_reveal_keeps_the_choice_and_marks_the_purpose(client, officer, make_order):
    order = make_order()
    path = f"/privacy/console/orders/{order.order_no}/reveal"
    html = officer(path, {"fields": "requester_phone", "purpose": ""}).get_data(as_text=True)
    assert 'value="requester_phone" checked' in html
    assert 'id="err-purpose">查看个人信息明文须说明用途</span>' in html
    none_chosen = officer(path, {"purpose": "核查"}).get_data(as_text=True)
    assert 'id="err-fields">请选择要查看明文的字段</span>' in none_chosen


TAMPERING = {
    "edited": (
        ["UPDATE access_log SET purpose = 'x' WHERE seq = 2"],
        "第 2 条的内容与其哈希值不符：该记录被修改或伪造",
    ),
    "deleted": (
        ["DELETE FROM access_log WHERE seq = 2"],
        "第 2 条缺失（下一条是第 3 条）：日志中间的记录被删除",
    ),
    "cut off the end": (
        ["DELETE FROM access_log WHERE seq = 3", "DELETE FROM access_log WHERE seq = 2"],
        "第 2 条至第 3 条已被删除：日志末尾的记录被截去",
    ),
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_tampering_verdicts_are_in_chinese(client, officer, make_order, read, how):
    order = make_order()
    for name in ("h_wangjing", "h_jiuxianqiao", "agent"):
        read(name, order)
    statements, verdict = TAMPERING[how]
    with raw_connection() as conn:
        for sql in statements:
            conn.execute(text(sql))
    html = officer("/privacy/console/verify").get_data(as_text=True)
    assert "校验未通过" in html
    assert verdict in html
    result = html.split('id="verify-result"', 1)[1].split("</div>", 1)[0]
    words = re.sub(r"<[^>]+>", "", result.split(">", 1)[1])
    assert not re.search(r"[A-Za-z]{3,}", words), words  # no English verdict


def test_a_checkpoint_signed_elsewhere_is_refused_in_chinese(client, officer, make_order, read):
    read("agent", make_order())
    doc = make_checkpoint(db.session, runtime().ring)
    for changed, verdict in (
        ({"key_fingerprint": "0" * 32}, "检查点不是用本系统的日志密钥签名的"),
        ({"entry_hash": "f" * 64}, "检查点签名无效：文件在签名后被修改过"),
        ({"format": "something"}, "上传的文件不是访问日志检查点"),
    ):
        upload = (io.BytesIO(json.dumps({**doc, **changed}).encode()), "cp.json")
        html = officer("/privacy/console/verify", {"checkpoint": upload}).get_data(as_text=True)
        assert verdict in html, changed
        assert "检查点验证失败" in html


def test_a_checkpoint_past_the_end_of_the_log_is_refused_in_chinese(
    client, officer, make_order, read
):
    order = make_order()
    read("agent", order)
    read("agent", order)
    doc = make_checkpoint(db.session, runtime().ring)
    with raw_connection() as conn:
        conn.execute(text("DELETE FROM access_log WHERE seq = 2"))
    upload = (io.BytesIO(json.dumps(doc).encode()), "cp.json")
    html = officer("/privacy/console/verify", {"checkpoint": upload}).get_data(as_text=True)
    assert "第 2 条已被删除：日志末尾的记录被截去" in html  # the chain and the head
    assert "日志只到第 1 条，检查点记录的第 2 条已不存在" in html  # and the checkpoint
