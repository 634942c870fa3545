"""Two publish calls for one draft at the same moment (a double click, two publishers):
one edition is published as version 1, the other call is refused with 409 and a Chinese
message, never a 500, and the report has exactly one published edition."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.extensions import db
from hotline.models.reports import EditionStatus, ReportEdition
from tests.workbench.helpers import API
from tests.workbench.test_concurrent_steps import _at_once


@pytest.mark.parametrize("attempt", range(3))
def test_a_double_publish_publishes_once(app, client, staff_headers, reports_world, attempt):
    pub = staff_headers("publisher")
    draft = client.post(f"{API}/reports/drafts", json={"year": 2025}, headers=pub).get_json()
    path = f"{API}/reports/editions/{draft['id']}/publish"
    responses = _at_once(app, [(path, {}, pub), (path, {}, pub)])
    assert sorted(r.status_code for r in responses) == [200, 409]
    refused = next(r for r in responses if r.status_code == 409).get_json()["error"]
    assert refused["code"] in {"already_published", "concurrent_update"}
    assert "发布" in refused["message"] or "刷新" in refused["message"]
    db.session.expire_all()
    published = db.session.scalars(
        select(ReportEdition.version).where(ReportEdition.status == EditionStatus.PUBLISHED)
    ).all()
    assert published == [1]
