"""Open data: anonymised requests for the Open311 GeoReport v2 read API (DESIGN §5).

What a published request may say, and why:

- Only orders whose whole ISO week ended more than ``OPEN311_DELAY_DAYS`` ago: nothing newer
  than that is published, and a week's cells are complete before any of them is shown.
- Only orders in a level-3 category × street × week cell of at least ``REPORT_SMALL_CELL``
  (10) orders (``Queries.open311_cells``): a rarer combination could single a person out,
  so its orders are left out entirely — the same threshold as the portal's small cells.
- The location is the street (``address`` = district and street name); never an address,
  a community or coordinates. Times are given to the day (Beijing midnight), so a neighbour
  who knows when someone called cannot pick the call out. No description, no notes, no
  reply, no rating comment, nobody's name: only category, status, the responsible unit and
  the dates.
- ``service_request_id`` is not the order number: it is the order's row id encrypted with a
  key derived from the key ring (one AES block, a keyed pseudorandom permutation, with
  eight zero bytes as a check). It is stable, reveals nothing, cannot be enumerated (ids of
  neighbouring orders are unrelated) and cannot be computed from an order number, so the
  open data cannot be used to look up a known citizen's order. Decrypting it gives the row
  id back, so a single request can be fetched without storing a mapping.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from flask import current_app
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from hotline.cache import local_cache
from hotline.extensions import db
from hotline.models.categories import Category
from hotline.models.enums import OrderStatus
from hotline.models.orders import Order
from hotline.models.places import District, Street
from hotline.models.units import Unit
from hotline.reports.periods import Period, Span, local_midnight_utc, local_today
from hotline.reports.queries import Queries
from hotline.reports.settings import LOCAL_OFFSET_HOURS, ReportSettings
from hotline.reports.sqlfuncs import local_day, local_week
from privacy.orm import utcnow
from privacy.runtime import runtime

HOTLINE_AGENCY = "北京市12345市民服务热线"
CLOSED = frozenset({OrderStatus.ANSWERED, OrderStatus.COMPLETED, OrderStatus.CLOSED})
MAX_RANGE_DAYS = 90  # GeoReport v2: a date range may not span more than 90 days
MAX_PAGE_SIZE = 1000
_CHECK = bytes(8)
_LOCAL = timedelta(hours=LOCAL_OFFSET_HOURS)


class BadQuery(ValueError):
    """A request the API cannot answer as asked (Chinese message for the caller)."""


# -- public ids ---------------------------------------------------------------------------------
def _cipher() -> Cipher:
    key = runtime().ring.index_key("open311-request-id")
    # One block under ECB is a keyed pseudorandom permutation of 128-bit values: exactly what
    # an unlinkable, reversible id needs (no two blocks are ever encrypted together).
    return Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305


def public_id(order_id: int) -> str:
    block = struct.pack(">Q", order_id) + _CHECK
    encryptor = _cipher().encryptor()
    raw = encryptor.update(block) + encryptor.finalize()
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def order_id_of(request_id: str) -> int | None:
    """The row id a public id stands for, or None for anything that is not one."""
    text = (request_id or "").strip().upper()
    if len(text) != 26:
        return None
    try:
        raw = base64.b32decode(text + "======")
    except (binascii.Error, ValueError):
        return None
    decryptor = _cipher().decryptor()
    block = decryptor.update(raw) + decryptor.finalize()
    if block[8:] != _CHECK:
        return None
    return struct.unpack(">Q", block[:8])[0]


# -- services -----------------------------------------------------------------------------------
def services() -> list[dict]:
    """Every level-3 category as an Open311 service (cached: the taxonomy rarely changes)."""

    def load() -> list[dict]:
        parent = aliased(Category)
        top = aliased(Category)
        rows = db.session.execute(
            select(Category.code, Category.name, parent.name, top.name)
            .join(parent, parent.id == Category.parent_id)
            .join(top, top.id == parent.parent_id)
            .where(Category.level == 3)
            .order_by(Category.code)
        ).all()
        return [
            {
                "service_code": code,
                "service_name": name,
                "description": f"{group} › {middle} › {name}",
                "metadata": False,
                "type": "realtime",
                "keywords": middle,
                "group": group,
            }
            for code, name, middle, group in rows
        ]

    cache = local_cache("open311.services", size=1, ttl=300)
    return cache.get_or_load("services", load)


# -- requests -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RequestQuery:
    start: datetime | None = None
    end: datetime | None = None
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    page: int = 1
    page_size: int | None = None


def publication_cutoff(now: datetime | None = None) -> datetime:
    """Orders received before this instant may be published: the Monday (00:00 Beijing) of
    the week that contains the day ``OPEN311_DELAY_DAYS`` ago — whole weeks only."""
    day = local_today(now or utcnow()) - timedelta(days=current_app.config["OPEN311_DELAY_DAYS"])
    return local_midnight_utc(Period.week_of(day).full.start)


def _day(value: datetime | None) -> str | None:
    """A time given to the day: Beijing midnight of its local date, with the offset."""
    if value is None:
        return None
    local = (value.astimezone(UTC) + _LOCAL).date()
    return datetime.combine(local, time(), tzinfo=UTC).strftime("%Y-%m-%dT00:00:00+08:00")


def _week_span(start: datetime, end: datetime) -> Span:
    first = Period.week_of((start.astimezone(UTC) + _LOCAL).date()).full.start
    last = Period.week_of((end.astimezone(UTC) + _LOCAL - timedelta(microseconds=1)).date())
    return Span(first, last.full.end)


def _range(query: RequestQuery, cutoff: datetime) -> tuple[datetime, datetime]:
    """The span asked for, cut at the publication cutoff: both dates, at most 90 days apart;
    a start alone reaches 90 days on; an end alone (or none) reaches 90 days back."""
    span = timedelta(days=MAX_RANGE_DAYS)
    if query.start and query.end:
        if query.end <= query.start:
            raise BadQuery("end_date 应晚于 start_date")
        if query.end - query.start > span:
            raise BadQuery(f"start_date 与 end_date 相隔不能超过{MAX_RANGE_DAYS}天")
        return query.start, min(query.end, cutoff)
    if query.start:
        return query.start, min(query.start + span, cutoff)
    end = min(query.end or cutoff, cutoff)
    return end - span, end


def _select(cells, dialect: str):
    week = local_week(Order.received_at, dialect)
    last_change = func.coalesce(
        Order.closed_at, Order.completed_at, Order.contacted_at, Order.dispatched_at
    )
    return (
        select(
            Order.id,
            Order.status,
            Order.received_at,
            Order.deadline_at,
            last_change.label("updated_at"),
            Category.code.label("service_code"),
            Category.name.label("service_name"),
            District.name.label("district"),
            Street.name.label("street"),
            Unit.name.label("unit"),
        )
        .select_from(Order)
        .join(
            cells,
            and_(
                cells.c.category_id == Order.category_id,
                cells.c.street_id == Order.street_id,
                cells.c.week == week,
            ),
        )
        .join(Category, Category.id == Order.category_id)
        .join(Street, Street.id == Order.street_id)
        .join(District, District.id == Street.district_id)
        .outerjoin(Unit, Unit.id == Order.lead_unit_id)
    )


def _request(row) -> dict:
    return {
        "service_request_id": public_id(row.id),
        "status": "closed" if row.status in CLOSED else "open",
        "service_name": row.service_name,
        "service_code": row.service_code,
        "agency_responsible": row.unit or HOTLINE_AGENCY,
        "requested_datetime": _day(row.received_at),
        "updated_datetime": _day(row.updated_at or row.received_at),
        "expected_datetime": _day(row.deadline_at),
        "address": f"{row.district}{row.street}",
    }


def _queries() -> tuple[Queries, str, int]:
    dialect = db.session.get_bind().dialect.name
    settings = ReportSettings.current()
    return Queries(settings, dialect, as_of=utcnow()), dialect, settings.small_cell


def find_requests(query: RequestQuery, now: datetime | None = None) -> list[dict]:
    """One page of published requests, newest day first."""
    cutoff = publication_cutoff(now)
    queries, dialect, threshold = _queries()
    if query.ids:
        order_ids = [i for i in (order_id_of(x) for x in query.ids) if i is not None]
        if not order_ids:
            return []
        found = db.session.execute(
            select(Order.id, Order.received_at).where(
                Order.id.in_(order_ids), Order.received_at < cutoff
            )
        ).all()
        if not found:
            return []
        start = min(r.received_at for r in found)
        end = max(r.received_at for r in found) + timedelta(microseconds=1)
        cells = queries.open311_cells(_week_span(start, end), threshold).subquery("cells")
        stmt = _select(cells, dialect).where(Order.id.in_([r.id for r in found]))
        return [_request(r) for r in db.session.execute(stmt.order_by(Order.uuid))]

    start, end = _range(query, cutoff)
    if end <= start:
        return []
    cells = queries.open311_cells(_week_span(start, end), threshold).subquery("cells")
    stmt = _select(cells, dialect).where(Order.received_at >= start, Order.received_at < end)
    if query.service_codes:
        stmt = stmt.where(Category.code.in_(query.service_codes))
    if query.statuses and set(query.statuses) != {"open", "closed"}:
        closed = Order.status.in_(sorted(CLOSED))
        stmt = stmt.where(closed if "closed" in query.statuses else ~closed)
    size = min(query.page_size or current_app.config["OPEN311_PAGE_SIZE"], MAX_PAGE_SIZE)
    # Newest day first; within a day by the random UUID, so the order tells nothing of the
    # time of receipt that the day-precision dates hide.
    stmt = stmt.order_by(local_day(Order.received_at, dialect).desc(), Order.uuid)
    stmt = stmt.limit(size).offset((query.page - 1) * size)
    return [_request(r) for r in db.session.execute(stmt)]
