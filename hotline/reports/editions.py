"""Editions: build a draft, preview it, publish it; correct a published one with a new edition.

A report has at most one draft at a time; building again replaces the draft's snapshot.
Publishing gives the draft the next version number and fixes it forever. When the report
already has a published edition, the draft is a correction: it must carry an erratum and it
records the edition it supersedes, which itself is never written again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from hotline.cache import shared_version
from hotline.errors import Conflict, Invalid, NotFound
from hotline.extensions import db
from hotline.models.reports import (
    DraftAccess,
    DraftAccessAction,
    EditionStatus,
    Report,
    ReportEdition,
)
from hotline.models.units import StaffUser
from hotline.reports import schedule
from hotline.reports.builder import build_snapshot
from hotline.reports.periods import BadPeriod, Period, local_today
from hotline.services.deadlines import to_local
from privacy.orm import utcnow

PREVIEW_SALT = "portal.report-preview"
# Publishing bumps this shared cache version: every worker drops its portal caches
# (``hotline.cache``).
PORTAL_VERSION = "portal"


def canonical_bytes(snapshot: dict) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8: the same data gives the same bytes."""
    text = json.dumps(
        snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )
    return text.encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_period(key: str) -> Period:
    try:
        return Period.parse(key)
    except BadPeriod:
        raise Invalid("报告期应为 YYYY、YYYY-MM 或 YYYY-Www", code="bad_period") from None


def _report(period: Period, create: bool) -> Report | None:
    report = db.session.scalar(
        select(Report).where(Report.kind == period.kind, Report.period == period.key)
    )
    if report is None and create:
        report = Report(kind=period.kind, period=period.key)
        db.session.add(report)
        db.session.flush()
    return report


def _draft(report: Report) -> ReportEdition | None:
    return db.session.scalar(
        select(ReportEdition).where(
            ReportEdition.report_id == report.id, ReportEdition.status == EditionStatus.DRAFT
        )
    )


def latest_published(report_id: int) -> ReportEdition | None:
    return db.session.scalar(
        select(ReportEdition)
        .where(
            ReportEdition.report_id == report_id,
            ReportEdition.status == EditionStatus.PUBLISHED,
        )
        .order_by(ReportEdition.version.desc())
        .limit(1)
    )


def build_draft(
    period: Period, user_id: int | None = None, now: datetime | None = None
) -> ReportEdition:
    """Build the period's report from the orders into its (new or existing) draft."""
    now = now or utcnow()
    try:
        snapshot = build_snapshot(period, now)
    except BadPeriod as exc:
        raise Invalid(str(exc), code="period_not_started") from None
    data = canonical_bytes(snapshot)
    report = _report(period, create=True)
    draft = _draft(report)
    if draft is None:
        draft = ReportEdition(report=report, status=EditionStatus.DRAFT)
        db.session.add(draft)
    draft.data = data.decode("utf-8")
    draft.sha256 = sha256_hex(data)
    draft.built_at = now
    draft.created_by_id = user_id
    db.session.flush()
    return draft


def start_correction(
    edition: ReportEdition, erratum: str, user_id: int | None = None, now: datetime | None = None
) -> ReportEdition:
    """A correction of a published edition: a fresh draft that carries the erratum."""
    if edition.status != EditionStatus.PUBLISHED:
        raise Conflict("只能更正已发布的版本", code="not_published")
    latest = latest_published(edition.report_id)
    if latest is None or latest.id != edition.id:
        raise Conflict(
            f"该版本已被第{latest.version}版取代，请更正最新版本", code="not_latest_edition"
        )
    draft = build_draft(Period.parse(edition.report.period), user_id, now)
    draft.erratum = erratum
    draft.supersedes_id = edition.id
    db.session.flush()
    return draft


def publish(
    draft: ReportEdition,
    user_id: int | None = None,
    now: datetime | None = None,
    erratum: str | None = None,
) -> ReportEdition:
    """Fix a draft as the report's next version. One publication of a report at a time:
    its row is locked first (PostgreSQL), and the draft read again, so that a second call
    for the same draft, or another draft of the same report, sees what the first did."""
    db.session.execute(select(Report.id).where(Report.id == draft.report_id).with_for_update())
    latest = latest_published(draft.report_id)
    db.session.refresh(draft, ["status"])  # after ``latest``: it is at least as recent
    if draft.status != EditionStatus.DRAFT:
        raise Conflict("该版本已发布，不能再次发布", code="already_published")
    if erratum:
        draft.erratum = erratum
    if sha256_hex(draft.data.encode("utf-8")) != draft.sha256:
        raise Conflict("草稿数据与摘要不符，请重新生成", code="draft_corrupt")
    if latest is not None:
        if not draft.erratum:
            raise Invalid(
                "该报告已有发布版本，新版本须作为更正发布并填写勘误说明", code="erratum_required"
            )
        draft.supersedes_id = latest.id
    # Everything is set before the one flush: once stored as published, the row is frozen.
    period = Period.parse(draft.report.period)
    published_at = now or utcnow()
    if latest is None:  # the first edition is the release the calendar promised
        due = schedule.due_date(period, current_app.config["REPORT_SCHEDULE"])
        draft.scheduled_for = due
        draft.on_time = to_local(published_at).date() <= due
    draft.version = (latest.version if latest else 0) + 1
    draft.status = EditionStatus.PUBLISHED
    draft.published_at = published_at
    draft.published_by_id = user_id
    db.session.flush()
    shared_version(PORTAL_VERSION).bump()
    return draft


def discard(draft: ReportEdition) -> None:
    if draft.status != EditionStatus.DRAFT:
        raise Conflict("已发布的版本不能删除", code="already_published")
    db.session.delete(draft)
    db.session.flush()


def get_edition(edition_id: int, *, for_update: bool = False) -> ReportEdition:
    """An edition, or 404; ``for_update`` locks its row until the change commits."""
    edition = db.session.get(ReportEdition, edition_id, with_for_update=for_update or None)
    if edition is None:
        raise NotFound("报告版本不存在", code="edition_not_found")
    return edition


# -- reading published editions -------------------------------------------------------------
@dataclass(frozen=True)
class EditionRef:
    """What a page needs to know about an edition, without its data."""

    id: int
    kind: str
    period: str
    version: int | None
    sha256: str
    published_at: datetime | None
    erratum: str | None
    supersedes_version: int | None
    superseded_by_version: int | None
    latest_version: int | None
    report_id: int = 0
    scheduled_for: date | None = None
    on_time: bool | None = None
    previous_published_at: datetime | None = None  # of the edition it supersedes


def find_published(period_key: str, version: int | None) -> EditionRef | None:
    """A published edition by period and version (the latest without a version)."""
    try:
        period = Period.parse(period_key)
    except BadPeriod:
        return None
    newer = aliased(ReportEdition)
    older = aliased(ReportEdition)
    published = ReportEdition.status == EditionStatus.PUBLISHED
    latest = (
        select(func.max(newer.version))
        .where(newer.report_id == ReportEdition.report_id, newer.status == EditionStatus.PUBLISHED)
        .scalar_subquery()
    )
    successor = (
        select(newer.version)
        .where(newer.supersedes_id == ReportEdition.id, newer.status == EditionStatus.PUBLISHED)
        .scalar_subquery()
    )
    query = (
        select(
            ReportEdition.id,
            ReportEdition.report_id,
            ReportEdition.version,
            ReportEdition.sha256,
            ReportEdition.published_at,
            ReportEdition.erratum,
            ReportEdition.scheduled_for,
            ReportEdition.on_time,
            older.published_at.label("previous_published_at"),
            older.version.label("supersedes_version"),
            successor.label("superseded_by_version"),
            latest.label("latest_version"),
        )
        .join(Report, Report.id == ReportEdition.report_id)
        .outerjoin(older, older.id == ReportEdition.supersedes_id)
        .where(Report.kind == period.kind, Report.period == period.key, published)
    )
    if version is None:
        query = query.where(ReportEdition.version == latest)
    else:
        query = query.where(ReportEdition.version == version)
    row = db.session.execute(query).first()
    if row is None:
        return None
    return EditionRef(
        row.id,
        period.kind.value,
        period.key,
        row.version,
        row.sha256,
        row.published_at,
        row.erratum,
        row.supersedes_version,
        row.superseded_by_version,
        row.latest_version,
        row.report_id,
        row.scheduled_for,
        row.on_time,
        row.previous_published_at,
    )


def edition_data(edition_id: int) -> str:
    return db.session.scalar(select(ReportEdition.data).where(ReportEdition.id == edition_id))


def published_index() -> list[dict]:
    """Every report with a published edition: period, kind, latest version and its date."""
    rows = db.session.execute(
        select(
            Report.kind,
            Report.period,
            func.max(ReportEdition.version).label("version"),
            func.max(ReportEdition.published_at).label("published_at"),
            func.min(ReportEdition.published_at).label("first_published_at"),
        )
        .join(ReportEdition, ReportEdition.report_id == Report.id)
        .where(ReportEdition.status == EditionStatus.PUBLISHED)
        .group_by(Report.kind, Report.period)
        .order_by(Report.period.desc())
    ).all()
    return [row._asdict() for row in rows]


def history(period_key: str) -> list[ReportEdition]:
    period = Period.parse(period_key)
    return list(
        db.session.scalars(
            select(ReportEdition)
            .join(Report, Report.id == ReportEdition.report_id)
            .where(
                Report.kind == period.kind,
                Report.period == period.key,
                ReportEdition.status == EditionStatus.PUBLISHED,
            )
            .order_by(ReportEdition.version)
        )
    )


# -- signed preview links ---------------------------------------------------------------------
def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=PREVIEW_SALT)


def _record(draft: ReportEdition, staff_user_id: int, action: DraftAccessAction) -> None:
    db.session.add(
        DraftAccess(
            report_id=draft.report_id,
            edition_id=draft.id,
            staff_user_id=staff_user_id,
            action=action,
            sha256=draft.sha256,
        )
    )
    db.session.flush()


def preview_token(draft: ReportEdition, staff_user_id: int) -> str:
    """A short-lived token naming one build of one draft and the staff member it is given
    to; a rebuild invalidates it. Giving it is recorded (pre-release access), in the
    caller's transaction."""
    _record(draft, staff_user_id, DraftAccessAction.ISSUED)
    return _serializer().dumps({"e": draft.id, "s": draft.sha256[:16], "u": staff_user_id})


@dataclass(frozen=True)
class Preview:
    edition: ReportEdition
    staff: StaffUser


def open_preview(token: str) -> Preview | None:
    """The draft a preview link names, and whom it was given to; records the view (the
    view runs as a write, ``@writes``). None for a bad, expired or outdated link."""
    max_age = current_app.config["REPORT_PREVIEW_TTL_SECONDS"]
    try:
        claims = _serializer().loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(claims, dict) or not isinstance(claims.get("u"), int):
        return None
    edition = db.session.get(ReportEdition, claims.get("e"))
    if edition is None or edition.status != EditionStatus.DRAFT:
        return None  # published editions are read at their permanent URL
    if not edition.sha256.startswith(claims.get("s", "-")):
        return None  # rebuilt since the link was made
    staff = db.session.get(StaffUser, claims["u"])
    if staff is None or not staff.active:
        return None
    _record(edition, staff.id, DraftAccessAction.VIEWED)
    return Preview(edition, staff)


def pre_release_access(ref: EditionRef) -> list[dict]:
    """Who had access to the edition's drafts before it was published: each staff member
    given a preview link or opening one since the report's previous publication."""
    query = (
        select(
            StaffUser.staff_no,
            StaffUser.display_name,
            StaffUser.role,
            DraftAccess.action,
            func.min(DraftAccess.at).label("first"),
            func.count().label("times"),
        )
        .join(StaffUser, StaffUser.id == DraftAccess.staff_user_id)
        .where(DraftAccess.report_id == ref.report_id)
        .group_by(StaffUser.staff_no, StaffUser.display_name, StaffUser.role, DraftAccess.action)
        .order_by(StaffUser.staff_no)
    )
    if ref.published_at is not None:
        query = query.where(DraftAccess.at <= ref.published_at)
    if ref.previous_published_at is not None:
        query = query.where(DraftAccess.at > ref.previous_published_at)
    people: dict[str, dict] = {}
    for row in db.session.execute(query):
        person = people.setdefault(
            row.staff_no,
            {
                "staff_no": row.staff_no,
                "name": row.display_name,
                "role": row.role,
                "first": row.first,
                "views": 0,
            },
        )
        person["first"] = min(person["first"], row.first)
        if row.action == DraftAccessAction.VIEWED:
            person["views"] = row.times
    return sorted(people.values(), key=lambda p: (p["first"], p["staff_no"]))


# -- the release record -------------------------------------------------------------------------
def first_releases() -> list[dict]:
    """The first published edition of every report: when it was due, when it came out."""
    rows = db.session.execute(
        select(
            Report.kind,
            Report.period,
            ReportEdition.scheduled_for,
            ReportEdition.published_at,
            ReportEdition.on_time,
        )
        .join(ReportEdition, ReportEdition.report_id == Report.id)
        .where(ReportEdition.status == EditionStatus.PUBLISHED, ReportEdition.version == 1)
        .order_by(ReportEdition.published_at.desc())
    ).all()
    return [row._asdict() for row in rows]


def latest_editions(kind: str) -> list[dict]:
    """The latest published edition of every report of a kind: id, period, version, digest."""
    newer = aliased(ReportEdition)
    latest = (
        select(func.max(newer.version))
        .where(newer.report_id == ReportEdition.report_id, newer.status == EditionStatus.PUBLISHED)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            ReportEdition.id,
            Report.period,
            ReportEdition.version,
            ReportEdition.sha256,
            ReportEdition.published_at,
        )
        .join(Report, Report.id == ReportEdition.report_id)
        .where(
            Report.kind == kind,
            ReportEdition.status == EditionStatus.PUBLISHED,
            ReportEdition.version == latest,
        )
        .order_by(Report.period)
    ).all()
    return [row._asdict() for row in rows]


def today_local() -> date:
    return local_today(utcnow())
