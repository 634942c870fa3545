"""portal editions: weekly periods, release calendar, pre-release access

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 15:00:00

- ``reports.period`` widens from 7 to 10 characters for ISO weeks ("2026-W48"). SQLite does
  not enforce a VARCHAR length, so only PostgreSQL is altered (a batch rebuild of
  ``reports`` on SQLite would gain nothing).
- ``report_editions`` gains ``scheduled_for`` and ``on_time`` (the release calendar), added
  with plain ``ADD COLUMN`` on both backends: a batch rebuild on SQLite would drop the
  immutability trigger of migration 0003.
- ``report_draft_access`` records who was given a draft's preview link and each view of it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "reports",
            "period",
            existing_type=sa.String(length=7),
            type_=sa.String(length=10),
            existing_nullable=False,
        )
    op.add_column("report_editions", sa.Column("scheduled_for", sa.Date(), nullable=True))
    op.add_column("report_editions", sa.Column("on_time", sa.Boolean(), nullable=True))
    op.create_table(
        "report_draft_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column(
            "action",
            sa.Enum("issued", "viewed", name="draftaccessaction", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_report_draft_access_report_id_reports")
        ),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_users.id"],
            name=op.f("fk_report_draft_access_staff_user_id_staff_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_draft_access")),
    )
    with op.batch_alter_table("report_draft_access", schema=None) as batch_op:
        batch_op.create_index("ix_report_draft_access_report_at", ["report_id", "at"], unique=False)


def downgrade():
    with op.batch_alter_table("report_draft_access", schema=None) as batch_op:
        batch_op.drop_index("ix_report_draft_access_report_at")
    op.drop_table("report_draft_access")
    op.drop_column("report_editions", "on_time")
    op.drop_column("report_editions", "scheduled_for")
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "reports",
            "period",
            existing_type=sa.String(length=10),
            type_=sa.String(length=7),
            existing_nullable=False,
        )
