"""Rows for the bulk writer: the rows the services would write for a plan.

``RowBuilder`` takes each planned step through the lifecycle's own step functions
(``hotline.services.lifecycle``) — the same transition table, the same guards, the same
events, assignments and milestones — on plain objects instead of model instances (a
``PlainLedger``), and seals personal fields, blind-indexes and fingerprints as
``hotline.services.intake`` does. Then each object becomes one row for ``COPY``.
``tests/hotline/test_synth.py`` writes plans through both paths and compares the rows.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import attrgetter

from hotline.models.enums import Channel, OrderKind, Resolution, Role, Satisfaction
from hotline.services import lifecycle
from hotline.services.actors import Actor
from hotline.services.repeats import Fingerprinter
from hotline.synth import texts
from hotline.synth.scenario import OrderPlan, Rules
from hotline.synth.timing import as_datetime
from hotline.synth.uuids import new_query_code, new_uuid
from hotline.synth.world import World
from privacy import catalog
from privacy.blind_index import indexer
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
    "reopen_requested", "rated_at", "unit_id", "actor_id",
)  # fmt: skip


class _Record:
    """A row being built: the fields a step gave as attributes, every other column ``None``
    (class attributes). The step's field dict becomes the instance dict as it is: no copy,
    no loop over the columns."""

    TABLE = ""
    COLUMNS: tuple[str, ...] = ()

    def __init_subclass__(cls) -> None:
        for name in cls.COLUMNS:
            setattr(cls, name, None)

    def __init__(self, fields: dict):
        self.__dict__ = fields


class _Event(_Record):
    TABLE = "order_events"
    COLUMNS = EVENT_COLUMNS

    def __init__(self, fields: dict):
        fields["uuid"] = new_uuid()
        self.__dict__ = fields


class _Assignment(_Record):
    TABLE = "assignments"
    COLUMNS = ASSIGNMENT_COLUMNS


class _Rating(_Record):
    TABLE = "ratings"
    COLUMNS = RATING_COLUMNS

    def __init__(self, fields: dict):
        fields["uuid"] = new_uuid()
        fields["reopen_requested"] = bool(fields.get("reopen_requested"))
        self.__dict__ = fields


class _Order:
    """An order as the steps see it while its plan is replayed."""

    __slots__ = (
        "id", "status", "round", "lead_unit_id", "time_limit", "deadline_at",
        "dispatched_at", "contacted_at", "completed_at", "closed_at", "repeat_count",
        "events", "assignments", "ratings",
    )  # fmt: skip

    def __init__(self, order_id: int, time_limit: str, deadline_at: datetime):
        self.id, self.time_limit, self.deadline_at = order_id, time_limit, deadline_at
        self.status = None
        self.round = 1
        self.repeat_count = 0
        self.lead_unit_id = None
        self.dispatched_at = self.contacted_at = self.completed_at = self.closed_at = None
        self.events: list[_Event] = []
        self.assignments: list[_Assignment] = []
        self.ratings: list[_Rating] = []


class PlainLedger:
    """The lifecycle's ``Ledger`` for plain objects (see ``lifecycle.steps``)."""

    def __init__(self, cipher: FieldCipher, rules: Rules, world: World):
        self.cipher = cipher
        self.limits = {k: timedelta(hours=v) for k, v in rules.limits.items()}
        self.world = world
        self.sealer = cipher.sealer

    def event(self, order: _Order, fields: dict) -> _Event:
        fields["order_id"] = order.id
        event = _Event(fields)
        order.events.append(event)
        return event

    def assignment(self, order: _Order, fields: dict) -> _Assignment:
        assignment = _Assignment(fields)
        order.assignments.append(assignment)
        return assignment

    def rating(self, order: _Order, fields: dict) -> _Rating:
        rating = _Rating(fields)
        order.ratings.append(rating)
        return rating

    def seal(self, obj: _Record, column: str, text: str) -> None:
        setattr(obj, column, self.sealer(obj.TABLE, column)(text, obj.uuid))

    def open(self, obj: _Record, column: str) -> str | None:
        sealed = getattr(obj, column)
        return None if sealed is None else self.cipher.open(sealed, obj.TABLE, column, obj.uuid)

    def deadline(self, start: datetime, time_limit) -> datetime:
        return start + self.limits[str(time_limit)]

    def unit_kind(self, unit_id: int) -> str:
        return self.world.units[unit_id].kind


@dataclass
class Batch:
    orders: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    assignments: list[tuple] = field(default_factory=list)
    ratings: list[tuple] = field(default_factory=list)
    codes: list[tuple[str, str]] = field(default_factory=list)  # kept (order_no, code)
    statuses: Counter = field(default_factory=Counter)
    merged: int = 0


_event_row = attrgetter(*EVENT_COLUMNS)
_assignment_row = attrgetter(*ASSIGNMENT_COLUMNS)
_rating_row = attrgetter(*RATING_COLUMNS)
REQUESTER = catalog.columns("orders", catalog.Kind.IDENTITY)


class RowBuilder:
    def __init__(self, cipher: FieldCipher, rules: Rules, world: World):
        self.cipher = cipher
        self.ring = cipher.ring
        self.rules = rules
        self.ledger = PlainLedger(cipher, rules, world)
        self.units = world.units
        self.fingerprinter = Fingerprinter(self.ring.index_key("content_simhash"))
        self.seal_requester = [cipher.sealer("orders", column) for column in REQUESTER]
        self.seal_content = cipher.sealer("orders", "content")
        self.index_code = indexer(self.ring, "query_code")
        self.index_phone = indexer(self.ring, "phone")
        self.index_id_number = indexer(self.ring, "id_number")
        self._actors: dict[tuple, Actor] = {}
        self._json: dict[tuple, str] = {}
        self.steps = {
            "merge": self._merge,
            "answer": self._answer,
            "dispatch": self._dispatch,
            "accept": self._accept,
            "contact": self._contact,
            "progress": self._progress,
            "return": self._return,
            "dispute": self._dispute,
            "reject_dispute": self._reject_dispute,
            "request_extension": self._request_extension,
            "decide_extension": self._decide_extension,
            "whistle": self._whistle,
            "escalate": self._escalate,
            "complete": self._complete,
            "follow_up": self._follow_up,
            "rate": self._rate,
            "close": self._close,
        }

    def actor(self, ref: tuple) -> Actor:
        actor = self._actors.get(ref)
        if actor is None:
            kind, user_id, role, unit_id = ref
            actor = Actor(kind, user_id, Role(role) if role else None, unit_id)
            self._actors[ref] = actor
        return actor

    def build(self, plan: OrderPlan, order_id: int, batch: Batch, keep_code: bool = False) -> None:
        """Append the rows of one planned order; ``keep_code`` keeps its query code."""
        steps = plan.steps
        received = as_datetime(plan.received_at)
        limit = self.ledger.limits[plan.time_limit]
        o = _Order(order_id, plan.time_limit, received + limit)
        intake = steps[0]
        permit = lifecycle.check(None, self.actor(intake.actor), lifecycle.Step.RECEIVE)
        o.status = permit.row.target
        lifecycle.receive_event(o, self.actor(intake.actor), plan.channel, received, self.ledger)
        for step in steps[1:]:
            self.steps[step.op](o, self.actor(step.actor), step.args, as_datetime(step.at))

        uuid = new_uuid()
        sealed = [
            seal(value, uuid) if value else None
            for seal, value in zip(self.seal_requester, plan.requester, strict=True)
        ]
        phone, id_number = plan.requester[1], plan.requester[2]
        code = new_query_code()
        if keep_code:
            batch.codes.append((plan.order_no, code))
        batch.orders.append(
            (
                order_id, uuid, plan.order_no, self.index_code(code), plan.kind,
                plan.channel, plan.leaf.id, plan.district_id, plan.street_id, plan.community_id,
                plan.time_limit, plan.confidential, o.status, o.round, o.lead_unit_id, received,
                o.deadline_at, o.dispatched_at, o.contacted_at, o.completed_at, o.closed_at,
                o.repeat_count, *sealed, self.seal_content(plan.content, uuid),
                self.index_phone(phone) if phone else None,
                self.index_id_number(id_number) if id_number else None,
                self.fingerprinter.simhash_normalised(texts.normalised(plan.content)),
                None, intake.actor[1],
            )
        )  # fmt: skip
        dumps = self._dumps
        for event in o.events:
            event.data = dumps(event.data) if event.data is not None else None
            batch.events.append(_event_row(event))
        batch.assignments.extend(map(_assignment_row, o.assignments))
        batch.ratings.extend(map(_rating_row, o.ratings))
        batch.statuses[o.status] += 1
        batch.merged += o.repeat_count

    def _dumps(self, data: dict) -> str:
        """JSON text as the ORM's JSON type writes it (``json.dumps``), remembered."""
        key = tuple(data.items())
        text = self._json.get(key)
        if text is None:
            text = self._json[key] = json.dumps(data)
        return text

    def _unit(self, unit_id: int | None):
        return self.units[unit_id] if unit_id is not None else None

    # -- the planned steps, each one a call of the lifecycle's own step ----------------
    def _merge(self, o, actor, a, at) -> None:
        channel, kind = Channel(a["channel"]).value, OrderKind(a["kind"]).value
        lifecycle.merge_repeat(o, actor, channel, kind, at, self.ledger)

    def _answer(self, o, actor, a, at) -> None:
        lifecycle.answer_directly(o, actor, a["reply"], at, self.ledger)

    def _dispatch(self, o, actor, a, at) -> None:
        lifecycle.dispatch(
            o,
            actor,
            self._unit(a["unit"]),
            joint_unit=self._unit(a["joint"]),
            note=a["note"],
            at=at,
            ledger=self.ledger,
        )

    def _accept(self, o, actor, a, at) -> None:
        lifecycle.accept(o, actor, at, self.ledger)

    def _contact(self, o, actor, a, at) -> None:
        lifecycle.contact_requester(o, actor, a["note"], at, self.ledger)

    def _progress(self, o, actor, a, at) -> None:
        lifecycle.add_progress(o, actor, a["note"], a.get("internal"), at, self.ledger)

    def _return(self, o, actor, a, at) -> None:
        lifecycle.return_order(o, actor, a["reason"], at, self.ledger)

    def _dispute(self, o, actor, a, at) -> None:
        lifecycle.dispute_dispatch(o, actor, a["reason"], at, self.ledger)

    def _reject_dispute(self, o, actor, a, at) -> None:
        lifecycle.reject_dispute(o, actor, a["note"], at, self.ledger)

    def _request_extension(self, o, actor, a, at) -> None:
        new_deadline = as_datetime(a["new_deadline"])
        lifecycle.request_extension(o, actor, a["reason"], new_deadline, at, self.ledger)

    def _decide_extension(self, o, actor, a, at) -> None:
        lifecycle.decide_extension(o, actor, a["approve"], a["note"], at, self.ledger)

    def _whistle(self, o, actor, a, at) -> None:
        units = [self.units[u] for u in a["units"]]
        lifecycle.whistle(o, actor, units, a["note"], at, self.ledger)

    def _escalate(self, o, actor, a, at) -> None:
        coordinator = self._unit(a["coordinator"])
        lifecycle.escalate(o, actor, a["reason"], coordinator, at, self.ledger)

    def _complete(self, o, actor, a, at) -> None:
        lifecycle.complete(o, actor, a["reply"], at, self.ledger)

    def _follow_up(self, o, actor, a, at) -> None:
        verdict = Resolution(a["resolution"]), Satisfaction(a["satisfaction"])
        lifecycle.follow_up(o, actor, *verdict, note=a["note"], at=at, ledger=self.ledger)

    def _rate(self, o, actor, a, at) -> None:
        lifecycle.rate(
            o,
            actor,
            Resolution(a["resolution"]),
            Satisfaction(a["satisfaction"]),
            comment=a["comment"],
            ask_reopen=a["ask_reopen"],
            window_days=self.rules.rating_window_days,
            at=at,
            ledger=self.ledger,
        )

    def _close(self, o, actor, a, at) -> None:
        lifecycle.close(o, actor, a["note"], at, self.ledger)
