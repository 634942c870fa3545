"""citizen login: SMS codes, profiles, revoked tokens

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 14:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sms_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("phone_bidx", sa.String(length=80), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_codes")),
        sa.UniqueConstraint("uuid", name=op.f("uq_sms_codes_uuid")),
    )
    with op.batch_alter_table("sms_codes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sms_codes_phone_bidx_created", ["phone_bidx", "created_at"], unique=False
        )

    op.create_table(
        "citizen_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("phone_bidx", sa.String(length=80), nullable=False),
        sa.Column("phone", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_profiles")),
        sa.UniqueConstraint("phone_bidx", name=op.f("uq_citizen_profiles_phone_bidx")),
        sa.UniqueConstraint("uuid", name=op.f("uq_citizen_profiles_uuid")),
    )

    op.create_table(
        "citizen_token_revocations",
        sa.Column("token_id", sa.String(length=32), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_citizen_token_revocations")),
    )
    with op.batch_alter_table("citizen_token_revocations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_citizen_token_revocations_expires_at"), ["expires_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("citizen_token_revocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citizen_token_revocations_expires_at"))
    op.drop_table("citizen_token_revocations")
    op.drop_table("citizen_profiles")
    with op.batch_alter_table("sms_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_sms_codes_phone_bidx_created")
    op.drop_table("sms_codes")
