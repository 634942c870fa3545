"""What a plan is made of: the order as received, and the steps that follow.

Plain data, independent of the database, so that both writers can take the same plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hotline.synth.world import Leaf


@dataclass(frozen=True)
class Rules:
    """The configured rules a plan must respect (``TIME_LIMIT_HOURS`` and friends)."""

    limits: dict[str, int]  # hours per time-limit class
    response_hours: int  # requester to be contacted within this many hours
    merge_hours: int  # a repeat within this many hours is merged
    rating_window_days: int = 7  # a citizen rates within this many days of completion

    @classmethod
    def from_config(cls, config) -> Rules:
        return cls(
            limits=dict(config["TIME_LIMIT_HOURS"]),
            response_hours=config["RESPONSE_WINDOW_HOURS"],
            merge_hours=config["MERGE_WINDOW_HOURS"],
            rating_window_days=config["RATING_WINDOW_DAYS"],
        )


@dataclass(frozen=True)
class Mix:
    """Where orders are placed: district ids and their relative weights. The demo history
    puts full volume in a few districts and a thin sample in the others."""

    district_ids: tuple[int, ...]
    weights: tuple[float, ...]
    # Districts whose streets are not alike: (district id, street ids, their weights).
    streets: tuple[tuple[int, tuple[int, ...], tuple[float, ...]], ...] = ()


@dataclass(frozen=True)
class Focus:
    """Orders of a planted surge: one street, categories from a few level-2 classes, kinds
    that say something is wrong (a burst heating pipe brings complaints and calls for help,
    not praise)."""

    label: str
    district_id: int
    street_id: int
    leaves: tuple[Leaf, ...]
    kinds: tuple[str, ...] = ("complaint", "help", "complaint", "help", "tip_off")


ActorRef = tuple  # (kind, user_id, role, unit_id), as hotline.services.actors.Actor
CITIZEN: ActorRef = ("citizen", None, None, None)


@dataclass(slots=True)
class Step:
    at: int
    op: str
    actor: ActorRef
    args: dict = field(default_factory=dict)


@dataclass(slots=True)
class OrderPlan:
    order_no: str
    received_at: int
    channel: str
    kind: str
    leaf: Leaf
    district_id: int
    street_id: int
    community_id: int | None
    confidential: bool
    requester: tuple[str | None, str | None, str | None, str | None]  # name, phone, id, address
    content: str
    steps: list[Step] = field(default_factory=list)

    @property
    def time_limit(self) -> str:
        return self.leaf.time_limit
