"""The service writer: replays plans through ``intake.receive`` and the lifecycle steps.

Steps of all orders are replayed in global time order, so that a repeat request meets
its earlier order in the state it had at that moment, exactly as live intake would. It
is slow (the ORM, one query per repeat check) and meant for small plans: tests prove
with it that the bulk rows are the rows the services write.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from hotline.extensions import db
from hotline.models.categories import Category
from hotline.models.enums import Channel, OrderKind, Resolution, Satisfaction
from hotline.models.orders import Order
from hotline.models.places import Community, District, Street
from hotline.models.units import StaffUser, Unit
from hotline.services import intake, lifecycle
from hotline.services.actors import Actor
from hotline.synth.scenario import OrderPlan, Step
from hotline.synth.timing import as_datetime


class ServiceWriter:
    def __init__(self) -> None:
        self._actors: dict[int, Actor] = {}

    def actor(self, ref: tuple) -> Actor:
        if ref[0] == "citizen":
            return Actor.citizen()
        user_id = ref[1]
        if user_id not in self._actors:
            self._actors[user_id] = Actor.of(db.session.get(StaffUser, user_id))
        return self._actors[user_id]

    @staticmethod
    def unit(unit_id: int | None) -> Unit | None:
        return db.session.get(Unit, unit_id) if unit_id is not None else None

    def write(self, plans: Iterable[OrderPlan]) -> dict[str, str]:
        """Replay every plan; returns the query code handed out for each order number."""
        plans = list(plans)
        orders: dict[int, Order] = {}
        codes: dict[str, str] = {}
        queue = [(p.steps[0].at, i, 0) for i, p in enumerate(plans)]
        heapq.heapify(queue)
        while queue:
            _, i, j = heapq.heappop(queue)
            plan, step = plans[i], plans[i].steps[j]
            if j == 0:
                order, code = self.receive(plan, step)
                orders[i] = order
                codes[plan.order_no] = code
            else:
                self.step(plan, orders[i], step)
            if j + 1 < len(plan.steps):
                heapq.heappush(queue, (plan.steps[j + 1].at, i, j + 1))
        db.session.flush()
        return codes

    def _intake(self, plan: OrderPlan, step: Step, channel: str, kind: str):
        name, phone, id_number, address = plan.requester
        return intake.receive(
            self.actor(step.actor),
            channel=Channel(channel),
            kind=OrderKind(kind),
            district=db.session.get(District, plan.district_id),
            street=db.session.get(Street, plan.street_id),
            community=db.session.get(Community, plan.community_id) if plan.community_id else None,
            category=db.session.get(Category, plan.leaf.id),
            content=plan.content,
            requester=intake.Requester(name, phone, id_number, address),
            confidential=plan.confidential,
            at=as_datetime(step.at),
        )

    def receive(self, plan: OrderPlan, step: Step) -> tuple[Order, str]:
        result = self._intake(plan, step, plan.channel, plan.kind)
        if result.merged:
            raise RuntimeError(f"plan {plan.order_no} was merged into {result.order.order_no}")
        # The planned number replaces the random one, so both writers give the same numbers.
        result.order.order_no = plan.order_no
        return result.order, result.query_code

    def step(self, plan: OrderPlan, order: Order, step: Step) -> None:
        args, at, actor = step.args, as_datetime(step.at), self.actor(step.actor)
        op = step.op
        if op == "merge":
            result = self._intake(plan, step, args["channel"], args["kind"])
            if not result.merged or result.order is not order:
                raise RuntimeError(f"repeat of {plan.order_no} was not merged into it")
        elif op == "answer":
            lifecycle.answer_directly(order, actor, args["reply"], at=at)
        elif op == "dispatch":
            lifecycle.dispatch(
                order,
                actor,
                self.unit(args["unit"]),
                joint_unit=self.unit(args["joint"]),
                note=args["note"],
                at=at,
            )
        elif op == "accept":
            lifecycle.accept(order, actor, at=at)
        elif op == "contact":
            lifecycle.contact_requester(order, actor, args["note"], at=at)
        elif op == "progress":
            lifecycle.add_progress(order, actor, args["note"], args["internal"], at=at)
        elif op == "return":
            lifecycle.return_order(order, actor, args["reason"], at=at)
        elif op == "dispute":
            lifecycle.dispute_dispatch(order, actor, args["reason"], at=at)
        elif op == "reject_dispute":
            lifecycle.reject_dispute(order, actor, args["note"], at=at)
        elif op == "request_extension":
            new_deadline = as_datetime(args["new_deadline"])
            lifecycle.request_extension(order, actor, args["reason"], new_deadline, at=at)
        elif op == "decide_extension":
            lifecycle.decide_extension(order, actor, args["approve"], args["note"], at=at)
        elif op == "whistle":
            units = [self.unit(u) for u in args["units"]]
            lifecycle.whistle(order, actor, units, args["note"], at=at)
        elif op == "escalate":
            coordinator = self.unit(args["coordinator"])
            lifecycle.escalate(order, actor, args["reason"], coordinator, at=at)
        elif op == "complete":
            lifecycle.complete(order, actor, args["reply"], at=at)
        elif op == "follow_up":
            verdict = Resolution(args["resolution"]), Satisfaction(args["satisfaction"])
            lifecycle.follow_up(order, actor, *verdict, note=args["note"], at=at)
        elif op == "rate":
            lifecycle.rate(
                order,
                actor,
                Resolution(args["resolution"]),
                Satisfaction(args["satisfaction"]),
                comment=args["comment"],
                ask_reopen=args["ask_reopen"],
                at=at,
            )
        elif op == "close":
            lifecycle.close(order, actor, args["note"], at=at)
        else:
            raise ValueError(f"unknown step {op!r}")
