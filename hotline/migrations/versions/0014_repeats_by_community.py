"""repeats from other phones: orders indexed by community and time of receipt

A request is merged into another phone's open order about the same thing in the same
community (``intake.find_repeat``); this index keeps that look-up to the community's few
recent orders.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 06:00:00

"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_community_received", ["community_id", "received_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_community_received")
