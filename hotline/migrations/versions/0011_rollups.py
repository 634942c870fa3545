"""statistics rollups: each order's contribution, the aggregate tables, open orders' index

Revision ID: 0011
Revises: 0008
Create Date: 2026-11-30 16:00:00

- ``rollup_orders``: per order, the key it counts under and its additive facts.
- Eight grains, each the sum of the contributions over some of the key's dimensions by
  day ('D'), ISO week ('W'), month ('M') or year ('Y'): ``rollup_totals`` (kind × channel),
  ``rollup_districts``, ``rollup_streets``, ``rollup_units`` (lead unit),
  ``rollup_categories``, ``rollup_district_categories``, ``rollup_street_categories``
  and ``rollup_cells`` (every dimension). A missing street, unit or category is 0.
- ``ix_orders_open``: the orders not completed yet, by time of receipt (partial index on
  both backends), for the live part of "overdue".

The tables start empty; ``flask reports rebuild-rollups`` fills them from existing orders
(a database upgraded with orders in it must run it once before reports are built).
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

FACTS = (
    "received",
    "answered",
    "dispatched",
    "withdrawn",
    "responded",
    "completed",
    "on_time",
    "late",
    "repeats",
    "urged",
    "res_yes",
    "res_partly",
    "res_no",
    "sat_satisfied",
    "sat_basically",
    "sat_dissatisfied",
)
KIND = ("consultation", "suggestion", "tip_off", "complaint", "help", "praise")
CHANNEL = ("phone", "web", "wechat", "miniapp", "weibo", "app", "national")
GRAINS = {
    "rollup_totals": ("kind", "channel"),
    "rollup_districts": ("district_id",),
    "rollup_streets": ("district_id", "street_id"),
    "rollup_units": ("lead_unit_id",),
    "rollup_categories": ("category_id",),
    "rollup_district_categories": ("district_id", "category_id"),
    "rollup_street_categories": ("district_id", "street_id", "category_id"),
    "rollup_cells": (
        "district_id",
        "street_id",
        "lead_unit_id",
        "category_id",
        "kind",
        "channel",
    ),
}


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, length=24)


def _dim(name: str, nullable: bool = False) -> sa.Column:
    if name == "kind":
        return sa.Column("kind", _enum(KIND, "orderkind"), nullable=nullable)
    if name == "channel":
        return sa.Column("channel", _enum(CHANNEL, "channel"), nullable=nullable)
    if name == "day":
        return sa.Column("day", sa.Date(), nullable=nullable)
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _facts() -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in FACTS]


def upgrade():
    op.create_table(
        "rollup_orders",
        sa.Column("order_id", sa.Integer(), autoincrement=False, nullable=False),
        *(
            _dim(name, nullable=True)
            for name in (
                "day",
                "district_id",
                "street_id",
                "lead_unit_id",
                "category_id",
                "kind",
                "channel",
            )
        ),
        *_facts(),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_rollup_orders")),
    )
    for table, dims in GRAINS.items():
        op.create_table(
            table,
            sa.Column("res", sa.String(length=1), nullable=False),
            sa.Column("bucket", sa.Date(), nullable=False),
            *(_dim(name) for name in dims),
            *_facts(),
            sa.PrimaryKeyConstraint("res", "bucket", *dims, name=op.f(f"pk_{table}")),
        )
    # A plain CREATE INDEX on both backends (no batch copy of the orders table).
    op.create_index(
        "ix_orders_open",
        "orders",
        ["received_at"],
        unique=False,
        postgresql_where=sa.text("completed_at IS NULL"),
        sqlite_where=sa.text("completed_at IS NULL"),
    )


def downgrade():
    op.drop_index("ix_orders_open", table_name="orders")
    for table in reversed(GRAINS):
        op.drop_table(table)
    op.drop_table("rollup_orders")
