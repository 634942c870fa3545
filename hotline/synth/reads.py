"""Demo staff reads of personal data, so that the access log and the privacy console have
something true to show on demo data.

Only reads the role matrix (``privacy.matrix``) allows are recorded: an agent reads what they
entered at intake, a handler the phone of an order assigned to their unit. Each goes through
``privacy.access.reveal`` (decryption and one hash-chained entry, as a real read would),
dated in the past, in order: a week of ordinary work in working hours, plus what the console
should bring to a privacy officer's attention although the matrix allowed it: one agent
reading far too many phones in one hour, night-shift reads (the hotline answers around the
clock) and an agent reading a confidential order again.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from hotline.extensions import db
from hotline.models.enums import AssignmentState, Role
from hotline.models.orders import Assignment, Order
from hotline.models.units import StaffUser
from privacy import access
from privacy.accesslog import AccessContext
from privacy.orm import utcnow

BEIJING = ZoneInfo("Asia/Shanghai")
AGENT_PURPOSES = ("回访诉求人", "核实诉求内容", "补充诉求人信息")
HANDLER_PURPOSES = ("联系诉求人上门处理", "电话告知办理结果", "约定上门时间")
AGENT_FIELDS = ("requester_name", "requester_phone")
HANDLER_FIELDS = ("requester_phone",)
BURST_READS = 45  # above the default 30 per hour


@dataclass
class Read:
    at: datetime
    user: StaffUser
    order: Order
    purpose: str
    fields: tuple[str, ...]


def _at(rng: random.Random, day: datetime, hour: int, minute: int | None = None) -> datetime:
    minute = rng.randrange(60) if minute is None else minute
    return day.replace(hour=hour, minute=minute, second=rng.randrange(60)).astimezone(UTC)


def _pools(limit: int = 3000):
    """Recent orders with personal data, by the agent who recorded them and by the unit
    they are assigned to (not handed back)."""
    orders = list(
        db.session.scalars(
            select(Order)
            .where(Order.requester_phone.is_not(None), Order.personal_erased_at.is_(None))
            .order_by(Order.received_at.desc())
            .limit(limit)
        )
    )
    by_agent: dict[int, list[Order]] = defaultdict(list)
    for order in orders:
        if order.created_by_id is not None:
            by_agent[order.created_by_id].append(order)
    by_id = {o.id: o for o in orders if not o.confidential}
    by_unit: dict[int, list[Order]] = defaultdict(list)
    rows = db.session.execute(
        select(Assignment.order_id, Assignment.unit_id).where(
            Assignment.order_id.in_(list(by_id)), Assignment.state != AssignmentState.RETURNED
        )
    )
    for order_id, unit_id in rows:
        by_unit[unit_id].append(by_id[order_id])
    return by_agent, by_unit


def plan_reads(rng: random.Random, days: int, per_day: int, now: datetime) -> list[Read]:
    """Who reads which order when, oldest first."""
    by_agent, by_unit = _pools()
    staff = db.session.scalars(
        select(StaffUser).where(StaffUser.role.in_((Role.AGENT, Role.HANDLER)))
    ).all()
    agents = [u for u in staff if u.role == Role.AGENT and by_agent.get(u.id)]
    handlers = [u for u in staff if u.role == Role.HANDLER and by_unit.get(u.unit_id)]
    if not agents:
        return []

    def agent_read(at: datetime, user: StaffUser | None = None, secret: bool = False) -> Read:
        user = user or rng.choice(agents)
        pool = [o for o in by_agent[user.id] if o.confidential == secret] or by_agent[user.id]
        return Read(at, user, rng.choice(pool), rng.choice(AGENT_PURPOSES), AGENT_FIELDS)

    today = now.astimezone(BEIJING).replace(hour=0, minute=0, second=0, microsecond=0)
    reads: list[Read] = []
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        for _ in range(per_day):
            at = _at(rng, day, rng.randrange(8, 19))
            if handlers and rng.random() < 0.4:
                user = rng.choice(handlers)
                order = rng.choice(by_unit[user.unit_id])
                reads.append(Read(at, user, order, rng.choice(HANDLER_PURPOSES), HANDLER_FIELDS))
            else:
                reads.append(agent_read(at))
    # What the console should flag.
    busy = max(agents, key=lambda u: len(by_agent[u.id]))
    start = _at(rng, today - timedelta(days=min(2, days)), 10, minute=0)
    reads += [agent_read(start + timedelta(seconds=70 * i), busy) for i in range(BURST_READS)]
    for back, hour in ((1, 23), (3, 2), (4, 22)):
        reads.append(agent_read(_at(rng, today - timedelta(days=min(back, days)), hour)))
    secret_keepers = [u for u in agents if any(o.confidential for o in by_agent[u.id])]
    if secret_keepers:
        keeper = rng.choice(secret_keepers)
        day = today - timedelta(days=min(1, days))
        reads.append(agent_read(_at(rng, day, 16), keeper, secret=True))
    return sorted((r for r in reads if r.at < now), key=lambda r: r.at)


def record_demo_reads(days: int = 7, per_day: int = 60, seed: int = 11) -> int:
    """Record the planned reads through the access layer and commit; how many."""
    rng = random.Random(seed)
    reads = plan_reads(rng, days, per_day, utcnow())
    for read in reads:
        user, order = read.user, read.order
        ctx = AccessContext.for_staff(
            user.id, user.role, user.unit_id, purpose=read.purpose, occurred_at=read.at
        )
        access.reveal(db.session, order, read.fields, ctx=ctx.for_order(order.id, order.order_no))
    db.session.commit()
    return len(reads)
