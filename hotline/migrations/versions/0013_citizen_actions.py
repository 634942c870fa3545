"""citizen actions: photos (sealed), urge milestones on orders, erasure requests

``attachments`` holds the photos of a request and the "after" photos of a handler's step,
each variant sealed in its own column (bound to the order and the photo by the row's
derived uuid). ``orders`` gains the 催办 milestones the work list flags (``last_urged_at``,
``urge_count``). ``erasure_requests`` holds a requester's request to erase the personal
data of their ended orders and the privacy officer's decision.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _enum(*values: str, name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=24)


def upgrade():
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("source", _enum("citizen", "staff", name="attachmentsource"), nullable=False),
        sa.Column(
            "state",
            _enum("staged", "attached", "erased", name="attachmentstate"),
            nullable=False,
        ),
        sa.Column("owner_phone_bidx", sa.String(length=80), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("mime", sa.String(length=16), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("thumb_mime", sa.String(length=16), nullable=False),
        sa.Column("thumb_width", sa.Integer(), nullable=False),
        sa.Column("thumb_height", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("full_image", sa.LargeBinary(), nullable=True),
        sa.Column("thumb_image", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_attachments_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["order_events.id"], name=op.f("fk_attachments_event_id_order_events")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["staff_users.id"],
            name=op.f("fk_attachments_uploaded_by_id_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_attachments_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("uuid", name=op.f("uq_attachments_uuid")),
        sa.UniqueConstraint("public_id", name=op.f("uq_attachments_public_id")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index("ix_attachments_order_event", ["order_id", "event_id"])
        batch_op.create_index("ix_attachments_staged", ["state", "created_at"])
        batch_op.create_index("ix_attachments_owner_state", ["owner_phone_bidx", "state"])

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_urged_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("urge_count", sa.Integer(), nullable=False, server_default="0")
        )

    op.create_table(
        "erasure_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("phone_bidx", sa.String(length=80), nullable=False),
        sa.Column(
            "status",
            _enum("pending", "approved", "refused", name="erasurestatus"),
            nullable=False,
        ),
        sa.Column("orders", sa.JSON(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.LargeBinary(), nullable=True),
        sa.Column("retain_until", sa.Date(), nullable=True),
        sa.Column("erased_orders", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["staff_users.id"],
            name=op.f("fk_erasure_requests_decided_by_id_staff_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_requests")),
        sa.UniqueConstraint("uuid", name=op.f("uq_erasure_requests_uuid")),
    )
    with op.batch_alter_table("erasure_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_erasure_requests_phone_bidx", ["phone_bidx", "requested_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_erasure_requests_status"), ["status"], unique=False)


def downgrade():
    with op.batch_alter_table("erasure_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erasure_requests_status"))
        batch_op.drop_index("ix_erasure_requests_phone_bidx")
    op.drop_table("erasure_requests")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("urge_count")
        batch_op.drop_column("last_urged_at")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_attachments_owner_state")
        batch_op.drop_index("ix_attachments_staged")
        batch_op.drop_index("ix_attachments_order_event")
    op.drop_table("attachments")
