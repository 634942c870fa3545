"""Public reports: a report per period, its editions, and the 每月一题 topics they cite.

A published edition is an immutable snapshot (DESIGN §5). Supersession is recorded in the
newer edition (``supersedes_id``) so that the old row is never written again; an edition is
"superseded" when a later published edition of the same report exists. Both the ORM guard
below and a database trigger (migration 0003) refuse any change to a published row.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, event, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.extensions import db
from hotline.models.enums import enum_column
from hotline.models.orders import Order
from privacy.orm import UTCDateTime, utcnow


class ReportKind(StrEnum):
    YEAR = "year"  # 年度报告
    MONTH = "month"  # 月通报
    WEEK = "week"  # 周分析 (ISO week, e.g. "2026-W48")


class EditionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class TopicStatus(StrEnum):
    PLANNED = "planned"  # 未启动
    IN_PROGRESS = "in_progress"  # 推进中
    COMPLETED = "completed"  # 已完成
    ONGOING = "ongoing"  # 持续治理


TOPIC_STATUS_LABELS = {
    TopicStatus.PLANNED: "未启动",
    TopicStatus.IN_PROGRESS: "推进中",
    TopicStatus.COMPLETED: "已完成",
    TopicStatus.ONGOING: "持续治理",
}


class Report(db.Model):
    """One report per period: the year "2026", the month "2026-10" or the week "2026-W48"."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("kind", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReportKind] = mapped_column(enum_column(ReportKind))
    period: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    editions: Mapped[list[ReportEdition]] = relationship(
        back_populates="report", order_by="ReportEdition.id"
    )


class ReportEdition(db.Model):
    __tablename__ = "report_editions"
    __table_args__ = (
        UniqueConstraint("report_id", "version"),
        Index("ix_report_editions_report_status", "report_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    # Drafts have no version; publication gives the next one (1, 2, ...).
    version: Mapped[int | None]
    status: Mapped[EditionStatus] = mapped_column(enum_column(EditionStatus))
    # Canonical JSON (sorted keys, fixed separators, UTF-8): its SHA-256 is reproducible.
    data: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("report_editions.id"))
    erratum: Mapped[str | None] = mapped_column(Text)
    # The release calendar's date for this period (Beijing date), fixed at publication, and
    # whether the edition came out by then (first editions only; a correction has neither).
    scheduled_for: Mapped[date | None] = mapped_column(Date)
    on_time: Mapped[bool | None]

    report: Mapped[Report] = relationship(back_populates="editions")
    supersedes: Mapped[ReportEdition | None] = relationship(remote_side=[id])


class DraftAccessAction(StrEnum):
    ISSUED = "issued"  # a preview link was given to the staff member
    VIEWED = "viewed"  # the staff member's link was opened


class DraftAccess(db.Model):
    """Pre-release access: who was given a draft's preview link and each time it was opened.

    Rows are written in the same transaction as the link or the view they record, never
    changed, and listed on the next published edition of the report (UK Code of Practice for
    Statistics, pre-release access lists)."""

    __tablename__ = "report_draft_access"
    __table_args__ = (Index("ix_report_draft_access_report_at", "report_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    # The draft's row id, kept without a foreign key: a discarded draft's access still counts
    # (its viewers saw the numbers a later draft of the same report may publish).
    edition_id: Mapped[int]
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    action: Mapped[DraftAccessAction] = mapped_column(enum_column(DraftAccessAction))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The SHA-256 of the draft build that was given or seen (a rebuild changes it).
    sha256: Mapped[str] = mapped_column(String(64))


@event.listens_for(DraftAccess, "before_update")
@event.listens_for(DraftAccess, "before_delete")
def _draft_access_is_append_only(mapper, connection, target):
    raise RuntimeError("the pre-release access record is append-only")


class MonthlyTopic(db.Model):
    """每月一题: a recurring problem chosen for focused governance, entered by the publisher."""

    __tablename__ = "monthly_topics"
    __table_args__ = (Index("ix_monthly_topics_year_month", "year", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    month: Mapped[int]
    title: Mapped[str] = mapped_column(String(120))
    lead_department: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[TopicStatus] = mapped_column(enum_column(TopicStatus))
    summary: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# The report queries' covering index on orders (migration 0003): an index-only scan reads
# these columns without touching the wide rows.
REPORT_INDEX = Index(
    "ix_orders_report",
    Order.received_at,
    postgresql_include=[
        "id",
        "district_id",
        "street_id",
        "category_id",
        "lead_unit_id",
        "channel",
        "kind",
        "status",
        "dispatched_at",
        "contacted_at",
        "completed_at",
        "deadline_at",
        "repeat_count",
    ],
)


class PublishedEditionImmutable(RuntimeError):
    """Raised on any attempt to change or delete a published edition."""


def _was_published(connection, target: ReportEdition) -> bool:
    """Ask the database, not the session: the loaded state may be expired or edited."""
    stored = connection.execute(
        select(ReportEdition.__table__.c.status).where(ReportEdition.__table__.c.id == target.id)
    ).scalar()
    return stored == EditionStatus.PUBLISHED.value


@event.listens_for(ReportEdition, "before_update")
def _published_is_immutable(mapper, connection, target):
    if _was_published(connection, target):
        raise PublishedEditionImmutable("published report editions are immutable")


@event.listens_for(ReportEdition, "before_delete")
def _published_is_permanent(mapper, connection, target):
    if _was_published(connection, target):
        raise PublishedEditionImmutable("published report editions cannot be deleted")
