"""Rows for the bulk writer: the same rows the services would write for a plan.

``RowBuilder`` replays a plan on plain Python state that mirrors
``hotline.services.lifecycle`` step by step (same checks, same event fields, same
assignment and milestone changes) and seals personal fields, blind-indexes and
fingerprints exactly as ``hotline.services.intake`` does. ``tests/test_synth.py`` writes
one plan through both paths and compares the rows field by field.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from dataclasses import dataclass, field

from hotline.synth.fingerprint import Fingerprinter
from hotline.synth.scenario import OrderPlan, Step
from hotline.synth.timing import HOUR, as_datetime
from hotline.synth.uuids import new_uuid
from privacy.blind_index import blind_index
from privacy.crypto import FieldCipher

ORDER_COLUMNS = (
    "id", "uuid", "order_no", "query_code_hash", "kind", "channel", "category_id",
    "district_id", "street_id", "community_id", "time_limit", "confidential", "status",
    "round", "lead_unit_id", "received_at", "deadline_at", "dispatched_at", "contacted_at",
    "completed_at", "closed_at", "repeat_count", "requester_name", "requester_phone",
    "requester_id_number", "requester_address", "content", "phone_bidx", "id_number_bidx",
    "content_simhash", "personal_erased_at", "created_by_id",
)  # fmt: skip
EVENT_COLUMNS = (
    "uuid", "order_id", "seq", "type", "occurred_at", "round", "actor_id", "actor_role",
    "unit_id", "target_unit_id", "public_note", "internal_note", "reason", "new_deadline",
    "data",
)  # fmt: skip
ASSIGNMENT_COLUMNS = (
    "order_id", "unit_id", "role", "state", "dispatched_at", "accepted_at", "ended_at",
)  # fmt: skip
RATING_COLUMNS = (
    "uuid", "order_id", "round", "source", "resolution", "satisfaction", "comment",
    "comment_public", "reopen_requested", "rated_at", "unit_id", "actor_id",
)  # fmt: skip
PERSONAL = ("requester_name", "requester_phone", "requester_id_number", "requester_address")
# The ORM stores an explicitly passed ``data=None`` as JSON null, an omitted one as NULL.
JSON_NULL = "null"
LIVE_DISPATCH = ("pending", "accepted", "disputed")
STEPS = (
    "merge", "answer", "dispatch", "accept", "contact", "progress", "return", "dispute",
    "reject_dispute", "request_extension", "decide_extension", "whistle", "escalate",
    "complete", "follow_up", "rate", "close",
)  # fmt: skip


class PlanError(RuntimeError):
    """A plan asked for a step the lifecycle would refuse."""


@dataclass
class Batch:
    orders: list[tuple] = field(default_factory=list)
    events: list[list] = field(default_factory=list)
    assignments: list[list] = field(default_factory=list)
    ratings: list[list] = field(default_factory=list)
    codes: list[tuple[str, str]] = field(default_factory=list)  # kept (order_no, code)
    statuses: Counter = field(default_factory=Counter)
    merged: int = 0


class _State:
    """An order as the lifecycle sees it while replaying its steps."""

    __slots__ = (
        "id", "status", "round", "lead", "deadline", "dispatched_at", "contacted_at",
        "completed_at", "closed_at", "repeats", "events", "assignments", "ratings", "limit",
    )  # fmt: skip

    def __init__(self, order_id: int, deadline, limit: int):
        self.id = order_id
        self.limit = limit  # seconds of the time-limit class
        self.status = "received"
        self.round = 1
        self.lead = None
        self.deadline = deadline
        self.dispatched_at = self.contacted_at = self.completed_at = self.closed_at = None
        self.repeats = 0
        self.events: list[list] = []
        # [order_id, unit, role, state, dispatched_at, accepted_at, ended_at]
        self.assignments: list[list] = []
        self.ratings: list[list] = []


class RowBuilder:
    def __init__(self, cipher: FieldCipher, limits: dict[str, int]):
        self.cipher = cipher
        self.ring = cipher.ring
        self.limit_seconds = {k: v * HOUR for k, v in limits.items()}
        self.fingerprinter = Fingerprinter(self.ring.index_key("content_simhash"))
        self.steps = {op: getattr(self, "_" + op) for op in STEPS}
        self._json: dict[tuple, str] = {}

    def build(self, plan: OrderPlan, order_id: int, batch: Batch, keep_code: bool = False) -> None:
        """Append the rows of one planned order; ``keep_code`` keeps its query code."""
        steps = plan.steps
        received = as_datetime(plan.received_at)
        limit = self.limit_seconds[plan.time_limit]
        o = _State(order_id, as_datetime(plan.received_at + limit), limit)
        intake = steps[0]
        self._event(
            o, "received", intake.actor, received, unit_id=None, data={"channel": plan.channel}
        )
        for step in steps[1:]:
            self.steps[step.op](o, step, as_datetime(step.at))

        uuid = new_uuid()
        seal, ring = self.cipher.seal, self.ring
        name, phone, id_number, address = plan.requester
        sealed = [
            seal(value, "orders", column, uuid) if value else None
            for column, value in zip(PERSONAL, plan.requester, strict=True)
        ]
        code = f"{secrets.randbelow(10**8):08d}"
        if keep_code:
            batch.codes.append((plan.order_no, code))
        batch.orders.append(
            (
                order_id, uuid, plan.order_no, blind_index(ring, "query_code", code), plan.kind,
                plan.channel, plan.leaf.id, plan.district_id, plan.street_id, plan.community_id,
                plan.time_limit, plan.confidential, o.status, o.round, o.lead, received,
                o.deadline, o.dispatched_at, o.contacted_at, o.completed_at, o.closed_at,
                o.repeats, *sealed, seal(plan.content, "orders", "content", uuid),
                blind_index(ring, "phone", phone) if phone else None,
                blind_index(ring, "id_number", id_number) if id_number else None,
                self.fingerprinter.simhash(plan.content), None, intake.actor[1],
            )
        )  # fmt: skip
        batch.events.extend(o.events)
        batch.assignments.extend(o.assignments)
        batch.ratings.extend(o.ratings)
        batch.statuses[o.status] += 1
        batch.merged += o.repeats

    # -- events ----------------------------------------------------------------------
    def _event(self, o: _State, type_: str, actor, at, **fields) -> list:
        if o.events and at < o.events[-1][4]:
            raise PlanError("event before the previous one")
        data = fields.get("data")
        row = [
            new_uuid(), o.id, len(o.events) + 1, type_, at, o.round, actor[1], actor[2],
            fields.get("unit_id", actor[3]), fields.get("target_unit_id"),
            fields.get("public_note"), None, fields.get("reason"), fields.get("new_deadline"),
            (JSON_NULL if data is None else self._dumps(data)) if "data" in fields else None,
        ]  # fmt: skip
        o.events.append(row)
        return row

    def _dumps(self, data: dict) -> str:
        key = tuple(data.items())
        text = self._json.get(key)
        if text is None:
            text = self._json[key] = json.dumps(data)
        return text

    @staticmethod
    def _require(o: _State, *allowed: str) -> None:
        if o.status not in allowed:
            raise PlanError(f"status {o.status} does not allow this step")

    @staticmethod
    def _unit_assignment(o: _State, actor, states: tuple, roles: tuple | None = None) -> list:
        mine = [a for a in o.assignments if a[1] == actor[3]]
        if roles is not None:
            mine = [a for a in mine if a[2] in roles]
        live = [a for a in mine if a[3] in states]
        if actor[2] != "handler" or not live:
            raise PlanError(f"unit {actor[3]} has no assignment in {states}")
        return live[-1]

    # -- steps, as in hotline.services.lifecycle ---------------------------------------
    def _merge(self, o: _State, s: Step, at) -> None:
        self._event(
            o,
            "merged_repeat",
            s.actor,
            at,
            data={"channel": s.args["channel"], "kind": s.args["kind"]},
        )
        o.repeats += 1

    def _answer(self, o: _State, s: Step, at) -> None:
        self._require(o, "received")
        self._event(o, "answered", s.actor, at, public_note=s.args["reply"])
        o.status, o.completed_at = "answered", at

    def _dispatch(self, o: _State, s: Step, at) -> None:
        self._require(o, "received", "returned", "disputed")
        unit, joint = s.args["unit"], s.args["joint"]
        for a in o.assignments:
            if a[3] in LIVE_DISPATCH and a[2] in ("lead", "joint"):
                a[3], a[6] = "returned", at
        data = {"joint_unit_id": joint} if joint is not None else None
        self._event(
            o, "dispatched", s.actor, at, target_unit_id=unit, public_note=s.args["note"], data=data
        )
        o.assignments.append([o.id, unit, "lead", "pending", at, None, None])
        if joint is not None:
            o.assignments.append([o.id, joint, "joint", "pending", at, None, None])
        o.status, o.lead, o.dispatched_at, o.contacted_at = "dispatched", unit, at, None

    def _accept(self, o: _State, s: Step, at) -> None:
        a = self._unit_assignment(o, s.actor, ("pending",))
        self._event(o, "accepted", s.actor, at)
        a[3], a[5] = "accepted", at
        if a[2] == "lead":
            o.status = "accepted"

    def _contact(self, o: _State, s: Step, at) -> None:
        a = self._unit_assignment(o, s.actor, ("accepted",))
        self._event(o, "contacted", s.actor, at, public_note=s.args["note"])
        if a[2] == "lead" and o.contacted_at is None:
            o.contacted_at = at

    def _progress(self, o: _State, s: Step, at) -> None:
        self._unit_assignment(o, s.actor, ("accepted",))
        row = self._event(o, "progress", s.actor, at, public_note=s.args["note"])
        if s.args.get("internal"):
            row[11] = self.cipher.seal(s.args["internal"], "order_events", "internal_note", row[0])

    def _return(self, o: _State, s: Step, at) -> None:
        a = self._unit_assignment(o, s.actor, ("pending", "accepted"), ("lead",))
        self._event(o, "returned", s.actor, at, reason=s.args["reason"])
        for b in o.assignments:
            if b[3] in ("pending", "accepted") and b[2] in ("lead", "joint"):
                b[3], b[6] = "returned", at
        a[3] = "returned"
        o.status, o.lead = "returned", None

    def _dispute(self, o: _State, s: Step, at) -> None:
        a = self._unit_assignment(o, s.actor, ("pending", "accepted"), ("lead",))
        self._event(
            o, "disputed", s.actor, at, reason=s.args["reason"], data={"previous_state": a[3]}
        )
        a[3] = "disputed"
        o.status = "disputed"

    def _reject_dispute(self, o: _State, s: Step, at) -> None:
        self._require(o, "disputed")
        a = next(a for a in reversed(o.assignments) if a[3] == "disputed")
        dispute = next(e for e in reversed(o.events) if e[3] == "disputed")
        previous = json.loads(dispute[14])["previous_state"]
        self._event(o, "dispute_rejected", s.actor, at, reason=s.args["note"], target_unit_id=a[1])
        a[3] = previous
        o.status = "accepted" if previous == "accepted" else "dispatched"

    def _pending_extension(self, o: _State) -> list | None:
        for e in reversed(o.events):
            if e[3] in ("extension_approved", "extension_rejected"):
                return None
            if e[3] == "extension_requested":
                return e
        return None

    def _request_extension(self, o: _State, s: Step, at) -> None:
        self._unit_assignment(o, s.actor, ("accepted",), ("lead",))
        self._require(o, "accepted")
        new_deadline = as_datetime(s.args["new_deadline"])
        if self._pending_extension(o) is not None or new_deadline <= o.deadline:
            raise PlanError("extension not allowed")
        self._event(
            o,
            "extension_requested",
            s.actor,
            at,
            reason=s.args["reason"],
            new_deadline=new_deadline,
        )

    def _decide_extension(self, o: _State, s: Step, at) -> None:
        request = self._pending_extension(o)
        if request is None:
            raise PlanError("no extension pending")
        if s.args["approve"]:
            self._event(
                o, "extension_approved", s.actor, at, reason=request[12],
                public_note=s.args["note"], new_deadline=request[13], target_unit_id=request[8],
            )  # fmt: skip
            o.deadline = request[13]
        else:
            self._event(
                o,
                "extension_rejected",
                s.actor,
                at,
                reason=s.args["note"],
                target_unit_id=request[8],
            )

    def _whistle(self, o: _State, s: Step, at) -> None:
        self._unit_assignment(o, s.actor, ("accepted",), ("lead",))
        live = {a[1] for a in o.assignments if a[3] in ("pending", "accepted")}
        for unit in s.args["units"]:
            if unit in live:
                raise PlanError("unit already assigned")
            self._event(o, "whistle", s.actor, at, target_unit_id=unit, public_note=s.args["note"])
            o.assignments.append([o.id, unit, "co", "pending", at, None, None])

    def _escalate(self, o: _State, s: Step, at) -> None:
        if s.actor[2] == "supervisor":
            self._require(o, "dispatched", "accepted")
        else:
            self._unit_assignment(o, s.actor, ("accepted",), ("lead",))
        coordinator = s.args["coordinator"]
        self._event(
            o, "escalated", s.actor, at, reason=s.args["reason"], target_unit_id=coordinator
        )
        o.assignments.append([o.id, coordinator, "coordinator", "pending", at, None, None])

    def _complete(self, o: _State, s: Step, at) -> None:
        self._unit_assignment(o, s.actor, ("accepted",), ("lead",))
        self._require(o, "accepted")
        self._event(o, "completed", s.actor, at, public_note=s.args["reply"])
        for a in o.assignments:
            if a[3] in ("pending", "accepted"):
                a[3], a[6] = "done", at
        o.status, o.completed_at = "completed", at

    def _has_rating(self, o: _State, source: str) -> bool:
        return any(r[2] == o.round and r[3] == source for r in o.ratings)

    def _follow_up(self, o: _State, s: Step, at) -> None:
        self._require(o, "completed")
        if self._has_rating(o, "follow_up"):
            raise PlanError("already followed up")
        verdict = {"resolution": s.args["resolution"], "satisfaction": s.args["satisfaction"]}
        self._event(o, "followed_up", s.actor, at, public_note=s.args["note"], data=verdict)
        o.ratings.append(
            [new_uuid(), o.id, o.round, "follow_up", verdict["resolution"],
             verdict["satisfaction"], None, None, False, at, o.lead, s.actor[1]]
        )  # fmt: skip

    def _rate(self, o: _State, s: Step, at) -> None:
        self._require(o, "completed", "closed")
        args = s.args
        if self._has_rating(o, "citizen") or (at - o.completed_at).days >= 7:
            raise PlanError("rating not allowed")
        verdict = {"resolution": args["resolution"], "satisfaction": args["satisfaction"]}
        self._event(o, "rated", s.actor, at, public_note=args["comment_public"], data=verdict)
        uuid = new_uuid()
        comment = (
            self.cipher.seal(args["comment"], "ratings", "comment", uuid)
            if args["comment"]
            else None
        )
        o.ratings.append(
            [uuid, o.id, o.round, "citizen", verdict["resolution"], verdict["satisfaction"],
             comment, args["comment_public"], args["ask_reopen"], at, o.lead, None]
        )  # fmt: skip
        if args["ask_reopen"]:
            self._reopen(o, s, at)

    def _reopen(self, o: _State, s: Step, at) -> None:
        self._require(o, "completed", "closed")
        if o.lead is None or not any(r[2] == o.round and r[5] == "dissatisfied" for r in o.ratings):
            raise PlanError("reopen not allowed")
        reason = "诉求人评价未解决且不满意，申请重新办理"
        self._event(o, "reopened", s.actor, at, reason=reason, target_unit_id=o.lead, unit_id=None)
        o.round += 1
        o.assignments.append([o.id, o.lead, "lead", "pending", at, None, None])
        o.status = "dispatched"
        o.deadline = as_datetime(int(at.timestamp()) + o.limit)
        o.dispatched_at, o.contacted_at = at, None
        o.completed_at = o.closed_at = None

    def _close(self, o: _State, s: Step, at) -> None:
        self._require(o, "completed", "answered")
        self._event(o, "closed", s.actor, at, public_note=s.args["note"])
        o.status, o.closed_at = "closed", at
