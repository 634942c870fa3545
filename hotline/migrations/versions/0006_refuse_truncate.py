"""refuse TRUNCATE of the access log and of published report editions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 12:00:00

Row triggers (0002, 0003) refuse UPDATE and DELETE, but TRUNCATE empties a table without
touching a row. On PostgreSQL a statement trigger now refuses it too, for the access log
and for report editions; the signed checkpoints still catch anyone who gets around both
(a superuser can switch triggers off). SQLite has no TRUNCATE.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("access_log", "report_editions")

FUNCTION = """
CREATE OR REPLACE FUNCTION refuse_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (TRUNCATE refused)', TG_TABLE_NAME;
END
$$
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_refuse_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate()"
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_refuse_truncate ON {table}")
    op.execute("DROP FUNCTION IF EXISTS refuse_truncate()")
