"""The publisher's report endpoints under /staff/api/v1/reports: build a draft from the
orders, preview it through a short-lived signed link, publish it, correct a published
edition, and keep the 每月一题 topics. Publishers only."""

from __future__ import annotations

from flask import current_app, g, jsonify, request, url_for
from sqlalchemy import select

from hotline.extensions import db
from hotline.models.enums import Role
from hotline.models.reports import EditionStatus, Report
from hotline.reports import editions, topics
from hotline.reports.periods import Period
from hotline.schemas import json_body
from hotline.web.auth import staff_required
from hotline.web.pipeline import writes
from workbench import bp
from workbench import report_schemas as s

publisher_only = staff_required(Role.PUBLISHER)


def _edition_body(edition) -> dict:
    body = s.EditionOut().dump(edition)
    period = edition.report.period
    if edition.status == EditionStatus.PUBLISHED:
        body["url"] = url_for(
            "portal.edition", period=period, version=edition.version, _external=True
        )
        body["data_url"] = url_for(
            "portal.edition_json", period=period, version=edition.version, _external=True
        )
    else:
        token = editions.preview_token(edition, g.staff_user.id)  # recorded: pre-release access
        body["preview_url"] = url_for("portal.preview", token=token, _external=True)
        body["preview_expires_in"] = current_app.config["REPORT_PREVIEW_TTL_SECONDS"]
    return body


@bp.get("/reports")
@writes  # each draft's fresh preview link is recorded as pre-release access
@publisher_only
def list_reports():
    reports = db.session.scalars(select(Report).order_by(Report.period.desc(), Report.kind))
    return jsonify(
        {
            "items": [
                {
                    "kind": r.kind.value,
                    "period": r.period,
                    "editions": [_edition_body(e) for e in r.editions],
                }
                for r in reports
            ]
        }
    )


@bp.post("/reports/drafts")
@publisher_only
def create_draft():
    data = s.DraftIn().load(json_body())
    draft = editions.build_draft(Period.of(data["year"], data["month"]), g.staff_user.id)
    return jsonify(_edition_body(draft)), 201


@bp.get("/reports/editions/<int:edition_id>")
@writes  # a draft's fresh preview link is recorded as pre-release access
@publisher_only
def get_edition(edition_id: int):
    return jsonify(_edition_body(editions.get_edition(edition_id)))


@bp.delete("/reports/editions/<int:edition_id>")
@publisher_only
def discard_draft(edition_id: int):
    editions.discard(editions.get_edition(edition_id, for_update=True))
    return "", 204


@bp.post("/reports/editions/<int:edition_id>/publish")
@publisher_only
def publish(edition_id: int):
    data = s.PublishIn().load(json_body())
    draft = editions.get_edition(edition_id, for_update=True)
    edition = editions.publish(draft, g.staff_user.id, erratum=data.get("erratum"))
    return jsonify(_edition_body(edition))


@bp.post("/reports/editions/<int:edition_id>/corrections")
@publisher_only
def correct(edition_id: int):
    data = s.CorrectionIn().load(json_body())
    edition = editions.get_edition(edition_id, for_update=True)
    draft = editions.start_correction(edition, data["erratum"], g.staff_user.id)
    return jsonify(_edition_body(draft)), 201


# -- 每月一题 -------------------------------------------------------------------------------
@bp.get("/reports/topics")
@publisher_only
def list_topics():
    year = request.args.get("year", type=int)
    return jsonify({"items": s.TopicOut(many=True).dump(topics.list_topics(year))})


@bp.post("/reports/topics")
@publisher_only
def create_topic():
    topic = topics.create_topic(**s.TopicIn().load(json_body()))
    return jsonify(s.TopicOut().dump(topic)), 201


@bp.patch("/reports/topics/<int:topic_id>")
@publisher_only
def update_topic(topic_id: int):
    values = s.TopicIn().load(json_body(), partial=True)
    topic = topics.update_topic(topics.get_topic(topic_id), **values)
    return jsonify(s.TopicOut().dump(topic))


@bp.delete("/reports/topics/<int:topic_id>")
@publisher_only
def delete_topic(topic_id: int):
    topics.delete_topic(topics.get_topic(topic_id))
    return "", 204
