"""citizens on WeChat and notifications: WeChat access token, bindings and tickets,
subscription consents, preferences, order follows, the outbox, the inbox and deliveries,
notices to handling units

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 12:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade():
    # The access token shared by every worker (hotline.clients.wechat_token).
    op.create_table(
        "wechat_access_tokens",
        sa.Column("appid", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=1024), nullable=True),
        sa.Column("expires_at", TZ, nullable=True),
        sa.Column("lock_owner", sa.String(length=64), nullable=True),
        sa.Column("lock_until", TZ, nullable=True),
        sa.PrimaryKeyConstraint("appid", name=op.f("pk_wechat_access_tokens")),
    )

    op.create_table(
        "wechat_bindings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("openid_bidx", sa.String(length=80), nullable=False),
        sa.Column("openid", sa.LargeBinary(), nullable=True),
        sa.Column("phone_bidx", sa.String(length=80), nullable=False),
        sa.Column("bound_at", TZ, nullable=False),
        sa.Column("last_login_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechat_bindings")),
        sa.UniqueConstraint("uuid", name=op.f("uq_wechat_bindings_uuid")),
        sa.UniqueConstraint("openid_bidx", name=op.f("uq_wechat_bindings_openid_bidx")),
        sa.UniqueConstraint("phone_bidx", name=op.f("uq_wechat_bindings_phone_bidx")),
    )

    op.create_table(
        "wechat_tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("ticket_id", sa.String(length=32), nullable=False),
        sa.Column("openid_bidx", sa.String(length=80), nullable=False),
        sa.Column("openid", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("used_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechat_tickets")),
        sa.UniqueConstraint("uuid", name=op.f("uq_wechat_tickets_uuid")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_wechat_tickets_ticket_id")),
    )
    with op.batch_alter_table("wechat_tickets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_wechat_tickets_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "subscription_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("openid_bidx", sa.String(length=80), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("long_term", sa.Boolean(), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_consents")),
        sa.UniqueConstraint(
            "openid_bidx", "template_id", name=op.f("uq_subscription_consents_openid_bidx")
        ),
    )

    op.create_table(
        "notification_preferences",
        sa.Column("phone_bidx", sa.String(length=80), nullable=False),
        sa.Column("wechat", sa.Boolean(), nullable=False),
        sa.Column("sms", sa.Boolean(), nullable=False),
        sa.Column("muted_kinds", sa.JSON(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("phone_bidx", name=op.f("pk_notification_preferences")),
    )

    op.create_table(
        "order_follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("phone_bidx", sa.String(length=80), nullable=False),
        sa.Column("phone", sa.LargeBinary(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("ended_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_follows_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_follows")),
        sa.UniqueConstraint("uuid", name=op.f("uq_order_follows_uuid")),
        sa.UniqueConstraint("order_id", "phone_bidx", name=op.f("uq_order_follows_order_id")),
    )
    with op.batch_alter_table("order_follows", schema=None) as batch_op:
        batch_op.create_index("ix_order_follows_phone_bidx", ["phone_bidx"], unique=False)

    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("enqueued_at", TZ, nullable=True),
        sa.Column("fanned_out_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["order_events.id"],
            name=op.f("fk_notification_outbox_event_id_order_events"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_notification_outbox_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_notification_outbox_event_id")),
    )
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_outbox_order_id"), ["order_id"], unique=False
        )
        batch_op.create_index(
            "ix_notification_outbox_pending", ["fanned_out_at", "enqueued_at"], unique=False
        )

    op.create_table(
        "inbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("phone_bidx", sa.String(length=80), nullable=False),
        sa.Column("following", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("title", sa.String(length=40), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("read_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["notification_outbox.id"],
            name=op.f("fk_inbox_messages_outbox_id_notification_outbox"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_inbox_messages_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_messages")),
        sa.UniqueConstraint("uuid", name=op.f("uq_inbox_messages_uuid")),
        sa.UniqueConstraint("outbox_id", "phone_bidx", name=op.f("uq_inbox_messages_outbox_id")),
    )
    with op.batch_alter_table("inbox_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_messages_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            "ix_inbox_messages_phone_created", ["phone_bidx", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_inbox_messages_phone_read", ["phone_bidx", "read_at"], unique=False
        )

    op.create_table(
        "notification_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=24), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=True),
        sa.Column("consent_reserved", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("due_at", TZ, nullable=False),
        sa.Column("enqueued_at", TZ, nullable=True),
        sa.Column("claimed_at", TZ, nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("finished_at", TZ, nullable=True),
        sa.Column("last_error", sa.String(length=64), nullable=True),
        sa.Column("provider_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["inbox_messages.id"],
            name=op.f("fk_notification_deliveries_message_id_inbox_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_deliveries")),
        sa.UniqueConstraint(
            "message_id", "channel", name=op.f("uq_notification_deliveries_message_id")
        ),
    )
    with op.batch_alter_table("notification_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_notification_deliveries_due", ["state", "due_at"], unique=False)

    # Notices to a handling unit (催办), read in the staff API.
    op.create_table(
        "unit_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("read_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["notification_outbox.id"],
            name=op.f("fk_unit_messages_outbox_id_notification_outbox"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_unit_messages_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_unit_messages_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_messages")),
        sa.UniqueConstraint("outbox_id", name=op.f("uq_unit_messages_outbox_id")),
    )
    with op.batch_alter_table("unit_messages", schema=None) as batch_op:
        batch_op.create_index("ix_unit_messages_unit_read", ["unit_id", "read_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_unit_messages_order_id"), ["order_id"], unique=False)


def downgrade():
    op.drop_table("unit_messages")
    op.drop_table("notification_deliveries")
    op.drop_table("inbox_messages")
    op.drop_table("notification_outbox")
    op.drop_table("order_follows")
    op.drop_table("notification_preferences")
    op.drop_table("subscription_consents")
    op.drop_table("wechat_tickets")
    op.drop_table("wechat_bindings")
    op.drop_table("wechat_access_tokens")
