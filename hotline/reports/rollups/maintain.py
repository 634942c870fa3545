"""Keeping the rollups current, in the same transaction as the change.

A session hook notes every order whose contribution may have changed: an order inserted,
deleted, or with a watched attribute changed (``contributions.WATCHED``), and the order of
every rating inserted, changed or deleted. Just before the transaction commits, each noted
order's stored contribution (``rollup_orders``) is locked, its new contribution is computed
from the database, and the difference is added to every grain row it touches; then the new
contribution is stored. The hook runs whichever code made the change (a staff API step, a
citizen's rating, a CLI command), as long as it went through the ORM session.

Why at commit time, and why a difference against a stored contribution:

- Correct under concurrency on PostgreSQL. The contribution row is locked first (an upsert
  that returns it), so two transactions changing the same order take turns; under READ
  COMMITTED the second one then reads the first one's committed rows and computes its
  difference against them. Grain rows are updated with ``INSERT … ON CONFLICT DO UPDATE
  SET n = n + excluded.n``, which never loses an increment, in one sorted order in every
  transaction (no deadlock between two writers), and only for the few milliseconds between
  this hook and the commit (a busy day's row is not held while a request does its work).
- Retries are safe: a rolled-back transaction takes its rollup changes with it, and
  recomputing an order whose contribution is current changes nothing.
- An order that changes after its day (rated weeks later, reopened, re-dispatched to
  another unit, its deadline extended, a repeat merged into it) moves its own old
  contribution out of the rows it was in and its new one into the rows it now belongs to.
- Erasing personal data (retention) touches no watched column, so figures do not move.

Writes that bypass the ORM session (the bulk generator's ``COPY``, bulk ``INSERT``
statements of test fixtures, raw SQL) must call ``refresh_orders`` with the orders they
wrote, or ``rebuild`` afterwards; ``flask reports verify-rollups`` finds any they forgot.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from flask import current_app
from sqlalchemy import bindparam, delete, event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hotline.models.orders import Order, Rating
from hotline.models.rollups import FACTS, OrderContribution
from hotline.reports.rollups.contributions import KEY, WATCHED, contribution_select
from hotline.reports.rollups.grains import GRAINS, bucket_of

TOUCHED = "rollups.touched_orders"
CHUNK = 500


def _upsert(dialect: str):
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


# -- the session hook ------------------------------------------------------------------------
def _changed(order: Order) -> bool:
    attrs = inspect(order).attrs
    return any(attrs[name].history.has_changes() for name in WATCHED)


def _after_flush(session: Session, flush_context) -> None:
    touched: set[int] = set()
    for obj in session.new:
        if isinstance(obj, Order):
            touched.add(obj.id)
        elif isinstance(obj, Rating):
            touched.add(obj.order_id)
    for obj in session.dirty:
        if isinstance(obj, Order) and _changed(obj):
            touched.add(obj.id)
        elif isinstance(obj, Rating) and session.is_modified(obj):
            touched.add(obj.order_id)
            touched.update(inspect(obj).attrs.order_id.history.deleted or ())
    for obj in session.deleted:
        if isinstance(obj, Order):
            touched.add(obj.id)
        elif isinstance(obj, Rating):
            touched.add(obj.order_id)
    touched.discard(None)
    if touched:
        session.info.setdefault(TOUCHED, set()).update(touched)


def _before_commit(session: Session) -> None:
    # The commit flushes after this hook: flush first, so that every change is noted.
    session.flush()
    touched = session.info.pop(TOUCHED, set())
    if touched:
        refresh_orders(session, touched)


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction: committed or rolled back
        session.info.pop(TOUCHED, None)


def install(scoped_session) -> None:
    """Attach the hook to the application's sessions (once)."""
    for name, fn in (
        ("after_flush", _after_flush),
        ("before_commit", _before_commit),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not event.contains(scoped_session, name, fn):
            event.listen(scoped_session, name, fn)


# -- applying differences ---------------------------------------------------------------------
# Statements are built once per database kind (and response window) and run with their
# parameters: SQLAlchemy then compiles each once, and the driver sends a batch in one go.
@lru_cache(maxsize=8)
def _statements(dialect: str, window: int) -> dict:
    upsert = _upsert(dialect)
    table = OrderContribution.__table__
    lock = upsert(table)
    store = upsert(table)
    out = {
        # The stored contribution, locked; an empty one is created where there is none,
        # so that a concurrent first contribution to the same order waits for this one.
        "lock": lock.on_conflict_do_update(
            index_elements=["order_id"], set_={"order_id": lock.excluded.order_id}
        ).returning(*table.c),
        "fresh": contribution_select(
            window, dialect, Order.id.in_(bindparam("ids", expanding=True))
        ),
        "store": store.on_conflict_do_update(
            index_elements=["order_id"],
            set_={c.name: store.excluded[c.name] for c in table.c if c.name != "order_id"},
        ),
        "forget": delete(table).where(table.c.order_id.in_(bindparam("ids", expanding=True))),
    }
    for grain in GRAINS:
        add = upsert(grain.table)
        out[grain.name] = add.on_conflict_do_update(
            index_elements=list(grain.key),
            set_={f: grain.table.c[f] + add.excluded[f] for f in FACTS},
        )
    return out


class Deltas:
    """Differences per grain row, summed, applied in one sorted order."""

    def __init__(self) -> None:
        self.rows: dict[tuple[int, tuple], list[int]] = {}

    def add(self, contribution: dict | None, sign: int) -> None:
        if contribution is None or contribution["day"] is None:
            return
        facts = [sign * (contribution[f] or 0) for f in FACTS]
        day = contribution["day"]
        for g, grain in enumerate(GRAINS):
            dims = tuple(contribution[d] for d in grain.dims)
            for res in grain.resolutions:
                acc = self.rows.setdefault((g, (res, bucket_of(res, day), *dims)), [0] * len(FACTS))
                for i, value in enumerate(facts):
                    acc[i] += value

    def apply(self, session: Session, statements: dict) -> int:
        written = 0
        for g, grain in enumerate(GRAINS):
            rows = sorted(
                (key, acc) for (gi, key), acc in self.rows.items() if gi == g and any(acc)
            )
            for chunk in _chunks(rows):
                values = [
                    {**dict(zip(grain.key, key, strict=True)), **dict(zip(FACTS, acc, strict=True))}
                    for key, acc in chunk
                ]
                session.execute(statements[grain.name], values)
                written += len(values)
        return written


EMPTY = {name: None for name in KEY} | dict.fromkeys(FACTS, 0)


def _same(old: dict | None, new: dict | None) -> bool:
    if old is None or old["day"] is None:
        return new is None
    return new is not None and all(old[c] == new[c] for c in (*KEY, *FACTS))


def refresh_orders(session: Session, order_ids: Iterable[int]) -> int:
    """Bring these orders' contributions up to date and add the differences to every
    grain. Returns how many orders' contributions changed."""
    ids = sorted({i for i in order_ids if i is not None})
    if not ids:
        return 0
    dialect = session.get_bind().dialect.name
    statements = _statements(dialect, current_app.config["RESPONSE_WINDOW_HOURS"])
    deltas, changed, gone, moved = Deltas(), [], [], 0
    for chunk in _chunks(ids):
        locked = session.execute(statements["lock"], [{"order_id": i, **EMPTY} for i in chunk])
        old = {row.order_id: row._asdict() for row in locked}
        fresh = session.execute(statements["fresh"], {"ids": chunk})
        new = {row.order_id: row._asdict() for row in fresh}
        for order_id in chunk:
            before, after = old.get(order_id), new.get(order_id)
            if after is None:
                gone.append(order_id)  # no such order (any more): no row either
            if _same(before, after):
                continue
            moved += 1
            deltas.add(before, -1)
            deltas.add(after, +1)
            if after is not None:
                changed.append(after)
    deltas.apply(session, statements)
    for chunk in _chunks(changed):
        session.execute(statements["store"], chunk)
    for chunk in _chunks(gone):
        session.execute(statements["forget"], {"ids": chunk})
    return moved
