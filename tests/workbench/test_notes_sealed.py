"""Staff notes hold personal data as staff type it: they are sealed at rest, shown
redacted to every other staff member, and read in plaintext only by their author or a
privacy officer (with a purpose), each such read written to the access log."""

from __future__ import annotations

from sqlalchemy import func, select, text

from hotline.extensions import db
from privacy.models import AccessLogEntry
from tests.workbench.helpers import API, new_order, step

NOTE = "诉求人东方不败 身份证110105198502031237 手机13712340099"


def _handled(client, world, staff_headers) -> str:
    agent, dispatcher = staff_headers("agent"), staff_headers("dispatcher")
    street = staff_headers("h_wangjing")
    no = new_order(client, agent, world)["order_no"]
    step(client, dispatcher, no, "dispatch", unit_code="S110105001")
    step(client, street, no, "accept")
    step(client, street, no, "progress", note=NOTE)
    return no


def _log_entries() -> int:
    return db.session.scalar(select(func.count()).select_from(AccessLogEntry))


def test_a_note_is_stored_sealed(client, world, staff_headers):
    _handled(client, world, staff_headers)
    with db.engine.connect() as conn:
        stored = conn.execute(text("SELECT public_note FROM order_events")).scalars().all()
    raw = b"".join(bytes(v) for v in stored if v is not None)
    for secret in ("东方不败", "110105198502031237", "13712340099"):
        assert secret.encode() not in raw


def test_other_staff_read_the_note_redacted_and_nothing_is_logged(client, world, staff_headers):
    no = _handled(client, world, staff_headers)
    body = client.get(f"{API}/orders/{no}", headers=staff_headers("supervisor")).get_json()
    note = next(e for e in body["events"] if e["type"] == "progress")["public_note"]
    assert note == "诉求人[姓名] 身份证[身份证号] 手机[手机号]"
    assert "13712340099" not in str(body)
    assert _log_entries() == 0


def test_only_the_author_or_a_privacy_officer_reveals_a_note(client, world, staff_headers):
    no = _handled(client, world, staff_headers)
    refused = client.get(f"{API}/orders/{no}?reveal=notes", headers=staff_headers("agent"))
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "plaintext_refused"

    own = client.get(f"{API}/orders/{no}?reveal=notes", headers=staff_headers("h_wangjing"))
    assert own.status_code == 200
    progress = next(e for e in own.get_json()["events"] if e["type"] == "progress")
    assert progress["public_note"] == NOTE
    assert progress["notes_revealed"] is True
    assert _log_entries() == 1
    entry = db.session.scalar(select(AccessLogEntry))
    assert "order_events.public_note" in entry.fields

    officer = staff_headers("privacy")
    no_purpose = client.get(f"{API}/orders/{no}?reveal=notes", headers=officer)
    assert no_purpose.status_code == 403
    assert no_purpose.get_json()["error"]["code"] == "purpose_required"
    shown = client.get(f"{API}/orders/{no}?reveal=notes&purpose=核查投诉", headers=officer)
    assert shown.status_code == 200
    assert NOTE in str(shown.get_json())
    assert _log_entries() == 2
