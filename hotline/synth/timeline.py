"""The steps of a dispatched order, with realistic delays and the usual detours.

Shares of the detours (of dispatched orders): about 5 % returned and re-dispatched, 2 %
disputed (some disputes rejected), 6 % extended (of orders with a 7- or 15-day limit,
most approved), 3 % whistled (of street orders), 1 % escalated, 8 % contacted late,
7 % completed after the deadline, 2 % reopened after a dissatisfied rating. Follow-up
reaches 96 % of completed orders; about 30 % are rated by the citizen.

Steps are generated so that each is legal when the previous ones have happened; the
main chain advances a cursor ``t``, side steps (joint, co-handler and coordinator
acceptance) fall between their trigger and the completion.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotline.synth import texts
from hotline.synth.scenario import CITIZEN, OrderPlan, Step
from hotline.synth.weighted import Weighted, lognormal

if TYPE_CHECKING:
    from hotline.synth.plan import Planner

SATISFACTION = ("satisfied", "basically", "dissatisfied")
VERDICT_OK = Weighted(SATISFACTION, (81, 14, 5))
VERDICT_LATE = Weighted(SATISFACTION, (50, 22, 28))  # overdue or contacted late
RESOLUTION = ("yes", "partly", "no")
RESOLUTION_GIVEN = {
    "satisfied": Weighted(RESOLUTION, (0.9, 0.1, 0.0)),
    "basically": Weighted(RESOLUTION, (0.4, 0.5, 0.1)),
    "dissatisfied": Weighted(RESOLUTION, (0.1, 0.3, 0.6)),
}
PROGRESS_NOTES = Weighted((0, 1, 2, 3), (0.35, 0.4, 0.18, 0.07))
# The hotline calls back nearly every requester whose order was completed; a few cannot be
# reached.
FOLLOW_UP_SHARE = 0.96
MINUTE, HOUR, DAY = 60, 3600, 86400


class _Run:
    """The state of one dispatched order while its first round is planned."""

    __slots__ = (
        "plan", "steps", "side", "t", "lead", "joint", "dispatched_at", "accepted", "fast",
        "deadline",
    )  # fmt: skip

    def __init__(self, plan: OrderPlan, lead: int, fast: bool):
        self.plan, self.steps, self.lead, self.fast = plan, plan.steps, lead, fast
        self.side: list[Step] = []  # other units' steps, kept if before the completion
        self.t = self.deadline = self.dispatched_at = 0
        self.joint: int | None = None
        self.accepted = False

    def add(self, delay: int, op: str, actor, args: dict | None = None) -> None:
        """Append a step of the main chain ``delay`` seconds after the previous one."""
        self.t += delay
        self.steps.append(Step(self.t, op, actor, args or {}))


class Timeline:
    def __init__(self, planner: Planner, limits: dict[str, int], response_hours: int):
        self.p = planner
        self.rng = planner.rng
        self.world = planner.world
        self.router = planner.router
        self.limit_seconds = {k: v * HOUR for k, v in limits.items()}
        self.response = response_hours * HOUR

    # -- helpers ---------------------------------------------------------------------
    def accept_delay(self, fast: bool) -> int:
        if fast:
            return int(lognormal(self.rng, 8, 0.6, 1, 45) * MINUTE)
        return int(lognormal(self.rng, 45, 1.0, 3, 16 * 60) * MINUTE)

    def dispatch_delay(self, limit: str) -> int:
        if limit == "urgent":
            return int(self.rng.uniform(3, 15) * MINUTE)
        return int(lognormal(self.rng, 35, 0.9, 5, 8 * 60) * MINUTE)

    def joint_for(self, unit: int, district: int) -> int | None:
        world = self.world
        if world.units[unit].kind == "street" and self.rng.random() < 0.25:
            return world.government.get(district)
        return None

    def verdict(self, bad: bool) -> tuple[str, str]:
        satisfaction = (VERDICT_LATE if bad else VERDICT_OK)(self.rng)
        return RESOLUTION_GIVEN[satisfaction](self.rng), satisfaction

    # -- the order -------------------------------------------------------------------
    def dispatched(self, plan: OrderPlan, lead: int) -> None:
        limit = plan.time_limit
        run = _Run(plan, lead, fast=limit in ("urgent", "utility"))
        run.deadline = plan.received_at + self.limit_seconds[limit]
        run.t = plan.received_at + self.dispatch_delay(limit)
        self._dispatch(run, lead)
        self._detour(run)
        handler = self.p.handler(run.lead)
        if not run.accepted:
            run.add(self.accept_delay(run.fast), "accept", handler)
        if run.joint is not None:
            at = run.dispatched_at + self.accept_delay(run.fast) * 2
            run.side.append(Step(at, "accept", self.p.handler(run.joint)))
        contacted_late = self._contact(run, handler)
        effective = self._extension(run, handler)
        if self.world.units[run.lead].kind == "street" and self.rng.random() < 0.03:
            self._whistle(run, handler)
        if self.rng.random() < 0.01:
            self._escalate(run, handler)
        t_done = self._complete(run, handler, effective)
        self._verdicts(plan, run.lead, t_done, t_done > effective or contacted_late, True)

    def _dispatch(self, run: _Run, unit: int) -> None:
        run.lead, run.joint = unit, self.joint_for(unit, run.plan.district_id)
        args = {"unit": unit, "joint": run.joint, "note": texts.dispatch_note(self.rng)}
        run.add(0, "dispatch", self.p.dispatcher(), args)
        run.dispatched_at, run.accepted = run.t, False

    def _other_unit(self, run: _Run) -> int:
        plan = run.plan
        return self.router.other_unit(
            self.rng, plan.leaf, plan.district_id, plan.street_id, {run.lead, run.joint}
        )

    def _detour(self, run: _Run) -> None:
        """退单 (about 5 %) or 派单异议 (about 2 %) on the first dispatch."""
        rng, handler = self.rng, self.p.handler(run.lead)
        roll = rng.random()
        if roll >= 0.07:
            return
        if rng.random() < (0.5 if roll < 0.05 else 0.3):
            run.add(self.accept_delay(run.fast), "accept", handler)
            run.accepted = True
        if roll < 0.05:
            other = self._other_unit(run)
            reason = texts.return_reason(rng, self.world.units[other].name.removeprefix("北京市"))
            run.add(
                int(rng.uniform(0.2, 1.0 if run.fast else 20) * HOUR),
                "return",
                handler,
                {"reason": reason},
            )
            run.t += int(lognormal(rng, 30, 0.8, 3, 240) * MINUTE)
            self._dispatch(run, other)
            return
        reason = {"reason": texts.dispute_reason(rng)}
        run.add(int(rng.uniform(0.3, 1.0 if run.fast else 8) * HOUR), "dispute", handler, reason)
        run.t += int(rng.uniform(0.2, 1.0 if run.fast else 6) * HOUR)
        if rng.random() < 0.4:
            note = {"note": texts.dispute_rejection(rng)}
            run.add(0, "reject_dispute", self.p.dispatcher(), note)
        else:
            self._dispatch(run, self._other_unit(run))

    def _contact(self, run: _Run, handler) -> bool:
        """联系诉求人: the response, due within the window and never after the deadline.
        Returns whether it came late."""
        rng = self.rng
        due = min(run.dispatched_at + self.response, run.deadline)
        if rng.random() < 0.92:
            run.t += int(max(due - run.t, 5 * MINUTE) * rng.random() ** 2)
        else:
            run.t = max(due, run.t) + int(rng.uniform(1, 6 if run.fast else 30) * HOUR)
        run.add(0, "contact", handler, {"note": texts.contact_note(rng)})
        return run.t > due

    def _extension(self, run: _Run, handler) -> int:
        """延期 for some orders with a 7- or 15-day limit; returns the deadline in force."""
        rng, deadline, limit = self.rng, run.deadline, run.plan.time_limit
        if limit not in ("normal", "complex") or deadline - run.t <= 2 * HOUR:
            return deadline
        if rng.random() >= 0.065:
            return deadline
        new_deadline = deadline + (7 if limit == "normal" else 15) * DAY
        args = {"reason": texts.extension_reason(rng), "new_deadline": new_deadline}
        run.add(int((deadline - run.t) * rng.uniform(0.3, 0.8)), "request_extension", handler, args)
        approve = rng.random() < 0.85
        args = {"approve": approve, "note": texts.extension_decision(rng, approve)}
        run.add(int(rng.uniform(0.5, 20) * HOUR), "decide_extension", self.p.supervisor(), args)
        return new_deadline if approve else deadline

    def _whistle(self, run: _Run, handler) -> None:
        """吹哨报到: the street summons one or two departments, who accept and report."""
        rng, plan = self.rng, run.plan
        co = self.router.co_handlers(rng, plan.leaf, plan.district_id, {run.lead, run.joint})
        if not co:
            return
        args = {"units": co, "note": texts.whistle_note(rng)}
        run.add(int(rng.uniform(0.5, 6 if run.fast else 36) * HOUR), "whistle", handler, args)
        for unit in co:
            at = run.t + self.accept_delay(run.fast)
            run.side.append(Step(at, "accept", self.p.handler(unit)))
            note = {"note": texts.progress_note(rng), "internal": None}
            at += int(rng.uniform(1, 24) * HOUR)
            run.side.append(Step(at, "progress", self.p.handler(unit), note))

    def _escalate(self, run: _Run, handler) -> None:
        """提级统筹 by a supervisor or asked for by the unit; the coordinator accepts."""
        rng, plan = self.rng, run.plan
        coordinator = self.router.coordinator(
            rng, plan.leaf, plan.district_id, {run.lead, run.joint}
        )
        if coordinator is None:
            return
        actor = self.p.supervisor() if rng.random() < 0.5 else handler
        args = {"reason": texts.escalate_reason(rng), "coordinator": coordinator}
        run.add(int(rng.uniform(1, 4 if run.fast else 48) * HOUR), "escalate", actor, args)
        run.side.append(
            Step(run.t + self.accept_delay(run.fast), "accept", self.p.handler(coordinator))
        )

    def _complete(self, run: _Run, handler, deadline: int) -> int:
        """Progress notes, the other units' steps, then 办结; returns its time."""
        rng, t = self.rng, run.t
        t_done = self._completion_time(t, deadline, run.fast)
        for at in sorted(t + int((t_done - t) * rng.random()) for _ in range(self._notes())):
            note = {"note": texts.progress_note(rng), "internal": None}
            if rng.random() < 0.2:
                note["internal"] = texts.internal_note(rng)
            run.steps.append(Step(at, "progress", handler, note))
        run.steps.extend(step for step in run.side if step.at < t_done)
        run.steps.sort(key=lambda s: s.at)  # stable: same-second steps keep causal order
        solved = rng.random() < (0.8 if t_done <= deadline else 0.6)
        reply = texts.completion_reply(rng, run.plan.kind, self.world.units[run.lead].name, solved)
        run.steps.append(Step(t_done, "complete", handler, {"reply": reply}))
        return t_done

    def _notes(self) -> int:
        return PROGRESS_NOTES(self.rng)

    def _completion_time(self, start: int, deadline: int, fast: bool) -> int:
        rng = self.rng
        if deadline - start > 10 * MINUTE and rng.random() >= 0.06:
            return start + max(MINUTE, int((deadline - start) * rng.betavariate(1.6, 2.4)))
        late = rng.uniform(0.3, 6) if fast else lognormal(rng, 20, 1.0, 1, 240)
        return max(start, deadline) + int(late * HOUR)

    def _verdicts(
        self, plan: OrderPlan, lead: int, t_done: int, late: bool, first_round: bool
    ) -> None:
        """回访, 评价, possibly a reopen and a second round, and 归档."""
        rng, p, steps = self.rng, self.p, plan.steps
        reopen = first_round and rng.random() < 0.02
        t_follow = None
        if reopen or rng.random() < FOLLOW_UP_SHARE:
            t_follow = t_done + int(lognormal(rng, 20, 0.8, 2, 72) * HOUR)
            resolution, satisfaction = ("no", "dissatisfied") if reopen else self.verdict(late)
            args = {
                "resolution": resolution,
                "satisfaction": satisfaction,
                "note": texts.follow_up_note(rng, satisfaction),
            }
            steps.append(Step(t_follow, "follow_up", p.agent(), args))
        if reopen:
            at = t_follow + int(rng.uniform(1, 48) * HOUR)
            steps.append(Step(at, "rate", CITIZEN, self._rating("no", "dissatisfied", True)))
            self._second_round(plan, lead, at)
            return
        rating = None
        if rng.random() < (0.3 if first_round else 0.2):
            at = t_done + int(rng.uniform(0.5, 160) * HOUR)  # within the 7-day window
            if t_follow is not None and rng.random() < 0.8:
                resolution, satisfaction = (
                    steps[-1].args["resolution"],
                    steps[-1].args["satisfaction"],
                )
            else:
                resolution, satisfaction = self.verdict(late)
            rating = Step(at, "rate", CITIZEN, self._rating(resolution, satisfaction, False))
        if t_follow is not None:
            t_close = t_follow + int(lognormal(rng, 4, 1.0, 0.2, 48) * HOUR)
        else:
            t_close = t_done + int(rng.uniform(3, 7) * DAY)
        steps.append(Step(t_close, "close", p.agent(), {"note": None}))
        if rating is not None:
            index = next((i for i, s in enumerate(steps) if s.at > rating.at), len(steps))
            steps.insert(index, rating)

    def _rating(self, resolution: str, satisfaction: str, reopen: bool) -> dict:
        comment = texts.rating_comment(self.rng, satisfaction)
        if reopen and comment is None:
            comment = "问题还是没有解决，申请重新办理。"
        return {
            "resolution": resolution,
            "satisfaction": satisfaction,
            "comment": comment,
            "ask_reopen": reopen,
        }

    def _second_round(self, plan: OrderPlan, lead: int, reopened_at: int) -> None:
        rng, p, steps = self.rng, self.p, plan.steps
        fast = plan.time_limit in ("urgent", "utility")
        deadline = reopened_at + self.limit_seconds[plan.time_limit]
        handler = p.handler(lead)
        t = reopened_at + self.accept_delay(fast)
        steps.append(Step(t, "accept", handler))
        t += int(rng.uniform(0.1, 0.8) * min(self.response, deadline - t) if deadline > t else 600)
        steps.append(Step(t, "contact", handler, {"note": texts.contact_note(rng)}))
        if rng.random() < 0.7:
            t += int(rng.uniform(1, 24) * HOUR)
            steps.append(
                Step(t, "progress", handler, {"note": texts.progress_note(rng), "internal": None})
            )
        t_done = self._completion_time(t, deadline, fast)
        overdue = t_done > deadline
        reply = texts.completion_reply(rng, plan.kind, self.world.units[lead].name, not overdue)
        steps.append(Step(t_done, "complete", handler, {"reply": reply}))
        self._verdicts(plan, lead, t_done, overdue, first_round=False)
