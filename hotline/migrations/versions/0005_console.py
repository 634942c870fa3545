"""privacy office console: TOTP secrets and login records

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "console_totp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_totp")),
        sa.UniqueConstraint("uuid", name=op.f("uq_console_totp_uuid")),
        sa.UniqueConstraint("user_id", name=op.f("uq_console_totp_user_id")),
    )
    op.create_table(
        "console_logins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("client_addr", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_logins")),
    )
    with op.batch_alter_table("console_logins", schema=None) as batch_op:
        batch_op.create_index(
            "ix_console_logins_username_at", ["username", "occurred_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("console_logins", schema=None) as batch_op:
        batch_op.drop_index("ix_console_logins_username_at")
    op.drop_table("console_logins")
    op.drop_table("console_totp")
