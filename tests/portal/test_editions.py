"""Editions: a published edition's bytes never change; a correction is a new edition."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError

from hotline.errors import Conflict, Invalid
from hotline.extensions import db
from hotline.models.orders import Order
from hotline.models.reports import (
    EditionStatus,
    PublishedEditionImmutable,
    ReportEdition,
)
from hotline.reports import editions, rollups
from hotline.reports.periods import Period
from tests.portal import dataset


def test_publishing_fixes_version_time_and_digest(publish):
    edition = publish("2025")
    assert edition.version == 1
    assert edition.status == EditionStatus.PUBLISHED
    assert edition.published_at is not None
    assert edition.sha256 == hashlib.sha256(edition.data.encode("utf-8")).hexdigest()
    # Canonical form: sorted keys, no spaces; the same data gives the same bytes.
    data = json.loads(edition.data)
    assert editions.canonical_bytes(data) == edition.data.encode("utf-8")
    assert edition.data.startswith('{"dictionary":')


def test_the_orm_refuses_to_change_or_delete_a_published_edition(publish):
    edition = publish("2025")
    for field, value in (
        ("data", "{}"),
        ("sha256", "0" * 64),
        ("published_at", datetime(2030, 1, 1, tzinfo=UTC)),
        ("status", EditionStatus.DRAFT),
        ("erratum", "悄悄改一下"),
    ):
        setattr(edition, field, value)
        with pytest.raises(PublishedEditionImmutable):
            db.session.flush()
        db.session.rollback()
    db.session.delete(edition)
    with pytest.raises(PublishedEditionImmutable):
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_too(publish):
    edition = publish("2025")
    with pytest.raises(DBAPIError):
        db.session.execute(
            text("UPDATE report_editions SET data = '{}' WHERE id = :id"), {"id": edition.id}
        )
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":
        for sql in ("DELETE FROM report_editions WHERE id = :id", "TRUNCATE report_editions"):
            with pytest.raises(DBAPIError, match="refused"):
                db.session.execute(text(sql), {"id": edition.id})
            db.session.rollback()
    stored = db.session.scalar(select(ReportEdition.data).where(ReportEdition.id == edition.id))
    assert stored == edition.data


def test_rebuilding_after_new_orders_leaves_the_published_bytes_alone(
    client, publish, reports_world
):
    edition = publish("2025")
    before = client.get("/reports/2025/v1/data.json").data
    page_before = client.get("/reports/2025/v1").data
    assert hashlib.sha256(before).hexdigest() == edition.sha256

    extra = dataset.make_specs(seed=7)[:40]
    for i, spec in enumerate(extra):
        spec.received_at = datetime(2025, 3, 3, 2, i, tzinfo=UTC)
    _insert_more(extra, reports_world.places)
    draft = editions.build_draft(Period.parse("2025"))
    db.session.commit()
    assert draft.sha256 != edition.sha256
    assert json.loads(draft.data)["summary"]["current"]["received"] == 597 + 40

    editions_now = db.session.scalars(select(ReportEdition).order_by(ReportEdition.id)).all()
    assert [e.status for e in editions_now] == [EditionStatus.PUBLISHED, EditionStatus.DRAFT]
    assert client.get("/reports/2025/v1/data.json").data == before
    assert client.get("/reports/2025").data == page_before  # still v1: the draft is not public


def _insert_more(specs, places):
    """Insert more orders with order numbers that do not collide with the dataset's."""
    rows = [
        {
            "uuid": f"00000000-0000-4000-a000-{i:012d}",
            "order_no": f"X{i:08d}",
            "query_code_hash": "x",
            "kind": s.kind,
            "channel": s.channel,
            "category_id": places["categories"][s.category].id,
            "district_id": places["districts"][s.district].id,
            "street_id": places["streets"][s.street].id if s.street else None,
            "time_limit": "normal",
            "confidential": False,
            "status": s.status,
            "round": s.round,
            "lead_unit_id": places["units"][s.lead_unit].id if s.lead_unit else None,
            "received_at": s.received_at,
            "deadline_at": s.deadline_at,
            "dispatched_at": s.dispatched_at,
            "contacted_at": s.contacted_at,
            "completed_at": s.completed_at,
            "repeat_count": 0,
        }
        for i, s in enumerate(specs, start=1)
    ]
    db.session.execute(insert(Order), rows)
    rollups.rebuild(db.session)  # a bulk insert bypasses the hook that keeps the rollups
    db.session.commit()


def test_a_correction_is_a_new_edition_and_the_old_one_stays(client, publish):
    first = publish("2025")
    old_json = client.get("/reports/2025/v1/data.json").data

    with pytest.raises(Invalid):  # a second edition must say what it corrects
        editions.publish(editions.build_draft(Period.parse("2025")))
    db.session.rollback()

    draft = editions.start_correction(first, "更正：朝阳区超期件数统计口径有误。")
    second = editions.publish(draft)
    db.session.commit()
    assert (second.version, second.supersedes_id) == (2, first.id)
    assert second.erratum == "更正：朝阳区超期件数统计口径有误。"

    with pytest.raises(Conflict):  # only the latest edition can be corrected
        editions.start_correction(first, "再次更正")
    db.session.rollback()

    assert client.get("/reports/2025/v1/data.json").data == old_json
    old_page = client.get("/reports/2025/v1").get_data(as_text=True)
    assert "本版本已被更正" in old_page
    assert 'href="/reports/2025/v2"' in old_page
    new_page = client.get("/reports/2025").get_data(as_text=True)
    assert "勘误说明" in new_page
    assert "更正：朝阳区超期件数统计口径有误。" in new_page
    assert 'href="/reports/2025/v1"' in new_page
    assert second.sha256 in new_page
    assert "本版本已被更正" not in new_page


def test_drafts_can_be_discarded_but_published_editions_cannot(publish):
    edition = publish("2025")
    with pytest.raises(Conflict):
        editions.discard(edition)
    draft = editions.build_draft(Period.parse("2025-06"))
    editions.discard(draft)
    db.session.commit()
    assert db.session.get(ReportEdition, draft.id) is None
    assert editions.latest_published(edition.report_id).id == edition.id


def test_a_period_that_has_not_started_cannot_be_built(reports_world):
    with pytest.raises(Invalid):
        editions.build_draft(Period.parse("2999"))
