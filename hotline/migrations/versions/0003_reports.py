"""public reports: reports, editions, 每月一题 topics

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 14:00:00

A trigger refuses every UPDATE of a published edition (both backends) and, on PostgreSQL,
every DELETE of one too. On SQLite the delete guard is the ORM's alone, because the test
suite empties tables with DELETE between tests; PostgreSQL empties them with TRUNCATE,
which row triggers do not see.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION report_editions_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'published' THEN
        RAISE EXCEPTION 'published report editions are immutable (% refused)', TG_OP;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$
"""
PG_TRIGGER = """
CREATE TRIGGER report_editions_immutable
BEFORE UPDATE OR DELETE ON report_editions
FOR EACH ROW EXECUTE FUNCTION report_editions_immutable()
"""
# What the report queries read from an order, so that PostgreSQL can answer them with an
# index-only scan of about a sixth of the table's size (the orders' encrypted fields make
# the heap wide). SQLite ignores INCLUDE and gets a plain index on received_at.
REPORT_COLUMNS = [
    "id",
    "district_id",
    "street_id",
    "category_id",
    "lead_unit_id",
    "channel",
    "kind",
    "status",
    "dispatched_at",
    "contacted_at",
    "completed_at",
    "deadline_at",
    "repeat_count",
]
SQLITE_TRIGGER = """
CREATE TRIGGER report_editions_immutable
BEFORE UPDATE ON report_editions
WHEN OLD.status = 'published'
BEGIN
    SELECT RAISE(ABORT, 'published report editions are immutable');
END
"""


def _enum(*values, name):
    return sa.Enum(*values, name=name, native_enum=False, length=24)


def upgrade():
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum("year", "month", name="reportkind"), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("kind", "period", name=op.f("uq_reports_kind")),
    )
    op.create_table(
        "report_editions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("status", _enum("draft", "published", name="editionstatus"), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("erratum", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_report_editions_report_id_reports")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_users.id"],
            name=op.f("fk_report_editions_created_by_id_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["staff_users.id"],
            name=op.f("fk_report_editions_published_by_id_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["report_editions.id"],
            name=op.f("fk_report_editions_supersedes_id_report_editions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_editions")),
        sa.UniqueConstraint("report_id", "version", name=op.f("uq_report_editions_report_id")),
    )
    with op.batch_alter_table("report_editions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_report_editions_report_status", ["report_id", "status"], unique=False
        )
    op.create_table(
        "monthly_topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("lead_department", sa.String(length=120), nullable=True),
        sa.Column(
            "status",
            _enum("planned", "in_progress", "completed", "ongoing", name="topicstatus"),
            nullable=False,
        ),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_topics")),
    )
    with op.batch_alter_table("monthly_topics", schema=None) as batch_op:
        batch_op.create_index("ix_monthly_topics_year_month", ["year", "month"], unique=False)

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_report", ["received_at"], unique=False, postgresql_include=REPORT_COLUMNS
        )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS report_editions_immutable ON report_editions")
        op.execute("DROP FUNCTION IF EXISTS report_editions_immutable()")
    else:
        op.execute("DROP TRIGGER IF EXISTS report_editions_immutable")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_report")
    with op.batch_alter_table("monthly_topics", schema=None) as batch_op:
        batch_op.drop_index("ix_monthly_topics_year_month")
    op.drop_table("monthly_topics")
    with op.batch_alter_table("report_editions", schema=None) as batch_op:
        batch_op.drop_index("ix_report_editions_report_status")
    op.drop_table("report_editions")
    op.drop_table("reports")
