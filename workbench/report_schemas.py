"""Schemas of the publisher's report endpoints (``workbench.reports``)."""

from __future__ import annotations

import json

from marshmallow import Schema, fields, validate

from hotline.models.reports import TOPIC_STATUS_LABELS, TopicStatus
from hotline.schemas import InSchema, LocalTime, text

YEAR = validate.Range(min=2000, max=2999, error="年份应为四位数")
MONTH = validate.Range(min=1, max=12, error="月份应为 1 到 12")


class DraftIn(InSchema):
    year = fields.Integer(required=True, validate=YEAR)
    month = fields.Integer(load_default=None, validate=MONTH)


class PublishIn(InSchema):
    erratum = text(2000, required=False)


class CorrectionIn(InSchema):
    erratum = text(2000)


class TopicIn(InSchema):
    year = fields.Integer(required=True, validate=YEAR)
    month = fields.Integer(required=True, validate=MONTH)
    title = text(120)
    lead_department = text(120, required=False, allow_none=True)
    status = fields.Enum(TopicStatus, by_value=True, load_default=TopicStatus.PLANNED)
    summary = text(4000, required=False, allow_none=True)


class TopicOut(Schema):
    id = fields.Integer()
    year = fields.Integer()
    month = fields.Integer()
    title = fields.String()
    lead_department = fields.String()
    status = fields.Function(lambda t: t.status.value)
    status_label = fields.Function(lambda t: TOPIC_STATUS_LABELS[t.status])
    summary = fields.String()
    updated_at = LocalTime()


def _headline(edition) -> dict:
    data = json.loads(edition.data)
    return {"report": data["report"], "summary": data["summary"]}


class EditionOut(Schema):
    """An edition as the publisher sees it; the links are filled in by the view."""

    id = fields.Integer()
    kind = fields.Function(lambda e: e.report.kind.value)
    period = fields.Function(lambda e: e.report.period)
    status = fields.Function(lambda e: e.status.value)
    version = fields.Integer(allow_none=True)
    sha256 = fields.String()
    built_at = LocalTime()
    published_at = LocalTime(allow_none=True)
    erratum = fields.String(allow_none=True)
    supersedes_id = fields.Integer(allow_none=True)
    headline = fields.Function(_headline)
