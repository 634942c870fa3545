"""sign-in attempts of the staff API and the console in one table

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("console_logins", schema=None) as batch_op:
        batch_op.drop_index("ix_console_logins_username_at")
    op.rename_table("console_logins", "login_attempts")
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("door", sa.String(length=16), nullable=False, server_default="console")
        )
        batch_op.create_index(
            "ix_login_attempts_door_username_at", ["door", "username", "occurred_at"]
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE login_attempts RENAME CONSTRAINT pk_console_logins TO pk_login_attempts"
        )
        op.execute("ALTER SEQUENCE console_logins_id_seq RENAME TO login_attempts_id_seq")


def downgrade():
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_door_username_at")
        batch_op.drop_column("door")
    op.rename_table("login_attempts", "console_logins")
    with op.batch_alter_table("console_logins", schema=None) as batch_op:
        batch_op.create_index("ix_console_logins_username_at", ["username", "occurred_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE console_logins RENAME CONSTRAINT pk_login_attempts TO pk_console_logins"
        )
        op.execute("ALTER SEQUENCE login_attempts_id_seq RENAME TO console_logins_id_seq")
