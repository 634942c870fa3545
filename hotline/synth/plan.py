"""Planning orders: what was asked, by whom, where, and each step of what happened next.

A plan is plain data, independent of the database: both writers (``replay`` through the
services, ``rows`` for bulk inserts) turn the same plan into the same rows. Random choices
come from one seeded ``random.Random`` per chunk of orders, so a seed gives the same data.
"""

from __future__ import annotations

import random

from hotline.synth import names, texts
from hotline.synth.routing import Router
from hotline.synth.scenario import CITIZEN, ActorRef, Focus, Mix, OrderPlan, Rules, Step
from hotline.synth.timeline import Timeline
from hotline.synth.timing import Window, heating_intensity
from hotline.synth.weighted import Weighted, lognormal, pick
from hotline.synth.world import Leaf, World

# Channel mix: the telephone dominates, then the online channels.
CHANNELS = {
    "phone": 67.0,
    "wechat": 9.0,
    "miniapp": 8.0,
    "app": 6.0,
    "web": 5.0,
    "national": 3.0,
    "weibo": 2.0,
}
# Channels where the citizen files the request themselves; agents record the others.
SELF_SERVICE = frozenset({"wechat", "miniapp", "app"})
KINDS = {
    "consultation": 30.0,
    "complaint": 28.0,
    "help": 27.0,
    "suggestion": 7.0,
    "tip_off": 6.0,
    "praise": 2.0,
}
# Share answered directly by the hotline, by kind; about 60 % overall (11 of 18 million).
ANSWERED_SHARE = {
    "consultation": 0.92,
    "complaint": 0.38,
    "help": 0.50,
    "suggestion": 0.65,
    "tip_off": 0.35,
    "praise": 0.90,
}
CONFIDENTIAL_SHARE = 0.03
HEATING_SHARE = 0.025  # extra heating complaints at the height of the heating season
COMPANY_KINDS = frozenset({"soe", "platform"})  # lead units that take only their own services
REPEAT_SHARE = 0.075  # of dispatched orders, i.e. about 3 % of all requests


class Planner:
    """Plans the orders of one chunk."""

    def __init__(
        self,
        world: World,
        rng: random.Random,
        window: Window,
        rules: Rules,
        mix: Mix | None = None,
    ):
        self.world = world
        self.rng = rng
        self.window = window
        self.router = Router(world)
        self.merge_window = rules.merge_hours * 3600
        self.timeline = Timeline(self, rules.limits, rules.response_hours)
        self.channel = Weighted(CHANNELS, CHANNELS.values())
        self.kind = Weighted(KINDS, KINDS.values())
        if mix is None:
            self.district = Weighted(world.district_ids, world.district_weights)
        else:
            self.district = Weighted(mix.district_ids, mix.weights)
        self.street_of = (
            {d: Weighted(ids, weights) for d, ids, weights in mix.streets} if mix else {}
        )
        self.level1 = Weighted(
            [list(world.leaves[n].values()) for n in world.level1_names], world.level1_weights
        )
        self.heating = world.leaves_by_level2.get("供暖", [])

    # -- who -------------------------------------------------------------------------
    def staff(self, user_id: int, role: str) -> ActorRef:
        return ("staff", user_id, role, None)

    def agent(self) -> ActorRef:
        return self.staff(pick(self.rng, self.world.agents), "agent")

    def dispatcher(self) -> ActorRef:
        return self.staff(pick(self.rng, self.world.dispatchers), "dispatcher")

    def supervisor(self) -> ActorRef:
        return self.staff(pick(self.rng, self.world.supervisors), "supervisor")

    def handler(self, unit_id: int) -> ActorRef:
        return ("staff", self.world.handler[unit_id], "handler", unit_id)

    def intake_actor(self, channel: str) -> ActorRef:
        return CITIZEN if channel in SELF_SERVICE else self.agent()

    # -- what ------------------------------------------------------------------------
    def pick_leaf(self, at: int) -> Leaf:
        """A category; heating complaints mostly in the heating season (2.5 % of all
        requests more at its height), otherwise one in ten of their share."""
        rng = self.rng
        heat = heating_intensity(at)
        if heat and self.heating and rng.random() < HEATING_SHARE * heat:
            return pick(rng, self.heating)
        keep_heating = 0.1 + 0.9 * heat
        while True:
            leaf = pick(rng, pick(rng, self.level1(rng)))
            if leaf.level2 != "供暖" or rng.random() < keep_heating:
                return leaf

    def company_leaf(self, kind: str, at: int) -> tuple[Leaf, int]:
        keep_heating = 0.1 + 0.9 * heating_intensity(at)
        while True:
            leaf, unit = self.router.company_work(self.rng, kind)
            if leaf.level2 != "供暖" or self.rng.random() < keep_heating:
                return leaf, unit

    def plan(self, received_at: int, order_no: str, focus: Focus | None = None) -> OrderPlan:
        """One order received at ``received_at``; ``focus`` makes it part of a planted
        surge (its street, its categories)."""
        rng, world = self.rng, self.world
        channel = self.channel(rng)
        if focus is None:
            kind = self.kind(rng)
            district = self.district(rng)
            weighted = self.street_of.get(district)
            if weighted is None:
                street = pick(rng, world.streets_by_district[district])
            else:
                street = weighted(rng)
        else:
            kind, district, street = pick(rng, focus.kinds), focus.district_id, focus.street_id
        communities = world.communities.get(street, [])
        community = pick(rng, communities) if communities and rng.random() < 0.9 else None
        answered = rng.random() < ANSWERED_SHARE[kind]
        lead = None
        if answered:
            leaf = self.pick_leaf(received_at) if focus is None else pick(rng, focus.leaves)
        else:
            lead_kind = self.router.lead_kind(rng)
            if focus is not None:
                leaf = pick(rng, focus.leaves)
                if lead_kind in COMPANY_KINDS and self.router.company_for(lead_kind, leaf) is None:
                    lead_kind = "street"  # no company runs this service: the street takes it
                lead = self.router.unit_for(rng, lead_kind, leaf, district, street)
            elif lead_kind in COMPANY_KINDS:
                leaf, lead = self.company_leaf(lead_kind, received_at)
            else:
                leaf = self.pick_leaf(received_at)
                lead = self.router.unit_for(rng, lead_kind, leaf, district, street)
            if lead is None:  # no unit of that kind here: the street takes it
                lead = world.street_unit[street]
        district_name, street_name = world.district_names[district], world.street_names[street]
        community_name = community[1] if community else None
        plan = OrderPlan(
            order_no=order_no,
            received_at=received_at,
            channel=channel,
            kind=kind,
            leaf=leaf,
            district_id=district,
            street_id=street,
            community_id=community[0] if community else None,
            confidential=rng.random() < CONFIDENTIAL_SHARE,
            requester=self.requester(channel, district, district_name, street_name, community_name),
            content=texts.content(
                rng, kind, leaf.name, leaf.level2, district_name, street_name, community_name
            ),
        )
        intake = self.intake_actor(channel)
        plan.steps.append(Step(received_at, "receive", intake))
        if answered:
            agent = intake if intake[0] == "staff" else self.agent()
            t = received_at + int(lognormal(rng, 6, 0.6, 1, 40) * 60)
            plan.steps.append(
                Step(t, "answer", agent, {"reply": texts.answer_reply(rng, leaf.name)})
            )
            t += int(lognormal(rng, 10, 0.8, 1, 240) * 60)
            plan.steps.append(Step(t, "close", agent, {"note": None}))
        else:
            self.timeline.dispatched(plan, lead)
            if plan.requester[1] and rng.random() < REPEAT_SHARE:
                self.add_repeat(plan)
        plan.steps = [s for s in plan.steps if s.at <= self.window.now]
        return plan

    def requester(
        self,
        channel: str,
        district: int,
        district_name: str,
        street_name: str,
        community_name: str | None,
    ) -> tuple[str | None, str | None, str | None, str | None]:
        rng = self.rng
        name = names.person_name(rng) if rng.random() < 0.92 else None
        phone = names.mobile(rng) if channel == "phone" or rng.random() < 0.93 else None
        id_number = (
            names.id_number(rng, self.world.district_codes[district])
            if rng.random() < 0.12
            else None
        )
        address = (
            names.address(rng, district_name, street_name, community_name)
            if rng.random() < 0.55
            else None
        )
        return name, phone, id_number, address

    def add_repeat(self, plan: OrderPlan) -> None:
        """The same citizen asks again while the order is open: it is merged, not counted."""
        rng = self.rng
        closes = [s.at for s in plan.steps if s.op == "close"]
        latest = min([plan.received_at + self.merge_window, *closes]) - 60
        earliest = plan.received_at + 30 * 60
        if latest <= earliest:
            return
        at = earliest + int((latest - earliest) * rng.random() ** 2)
        channel = self.channel(rng)
        kind = plan.kind if rng.random() < 0.8 else self.kind(rng)
        step = Step(at, "merge", self.intake_actor(channel), {"channel": channel, "kind": kind})
        index = next((i for i, s in enumerate(plan.steps) if s.at > at), len(plan.steps))
        plan.steps.insert(index, step)
