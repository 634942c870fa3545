"""每月一题 topics, entered and updated by the publisher; reports copy them when built."""

from __future__ import annotations

from sqlalchemy import select

from hotline.errors import NotFound
from hotline.extensions import db
from hotline.models.reports import MonthlyTopic, TopicStatus

FIELDS = ("year", "month", "title", "lead_department", "status", "summary")


def list_topics(year: int | None = None) -> list[MonthlyTopic]:
    query = select(MonthlyTopic).order_by(MonthlyTopic.year, MonthlyTopic.month, MonthlyTopic.id)
    if year is not None:
        query = query.where(MonthlyTopic.year == year)
    return list(db.session.scalars(query))


def get_topic(topic_id: int) -> MonthlyTopic:
    topic = db.session.get(MonthlyTopic, topic_id)
    if topic is None:
        raise NotFound("“每月一题”不存在", code="topic_not_found")
    return topic


def create_topic(**values) -> MonthlyTopic:
    values.setdefault("status", TopicStatus.PLANNED)
    topic = MonthlyTopic(**{k: values.get(k) for k in FIELDS})
    db.session.add(topic)
    db.session.flush()
    return topic


def update_topic(topic: MonthlyTopic, **values) -> MonthlyTopic:
    for key in FIELDS:
        if key in values:
            setattr(topic, key, values[key])
    db.session.flush()
    return topic


def delete_topic(topic: MonthlyTopic) -> None:
    db.session.delete(topic)
    db.session.flush()
