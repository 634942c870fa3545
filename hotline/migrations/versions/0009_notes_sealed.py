"""staff notes and reasons sealed like every personal field; the plaintext copy of the
rating comment dropped

Public notes (replies, progress), reasons and the citizen's rating comment are free text
that may name or number the requester. ``order_events.public_note`` and ``reason`` become
encrypted columns: existing rows are sealed in batches (AES-256-GCM or SM4-GCM with the
app's key ring, bound to table, column and the event's UUID) with a progress bar.
``ratings.comment_public`` (a redacted plaintext copy) goes: the comment is kept sealed
and redacted when shown. Statistics read none of these columns.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 14:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BATCH = 5000
COLUMNS = ("public_note", "reason")


def _cipher():
    from privacy.runtime import runtime

    return runtime().cipher


def _convert(bind, source: str, target: str, convert) -> None:
    """Copy ``COLUMNS`` from ``<col><source>`` to ``<col><target>`` through ``convert``,
    batch by batch in id order."""
    from tqdm import tqdm

    events = sa.table(
        "order_events",
        sa.column("id"),
        sa.column("uuid"),
        *(sa.column(c + source) for c in COLUMNS),
        *(sa.column(c + target) for c in COLUMNS),
    )
    has_text = sa.or_(*(events.c[c + source].is_not(None) for c in COLUMNS))
    total = bind.execute(sa.select(sa.func.count()).where(has_text)).scalar()
    last = 0
    with tqdm(total=total, unit="条", desc="加密办理记录", disable=not total) as bar:
        while True:
            rows = bind.execute(
                sa.select(events)
                .where(has_text, events.c.id > last)
                .order_by(events.c.id)
                .limit(BATCH)
            ).all()
            if not rows:
                break
            params = [
                {
                    "row_id": row.id,
                    **{c + target: convert(row._mapping[c + source], c, row.uuid) for c in COLUMNS},
                }
                for row in rows
            ]
            bind.execute(
                events.update()
                .where(events.c.id == sa.bindparam("row_id"))
                .values({c + target: sa.bindparam(c + target) for c in COLUMNS}),
                params,
            )
            last = rows[-1].id
            bar.update(len(rows))


def upgrade():
    with op.batch_alter_table("order_events", schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.add_column(sa.Column(column + "_sealed", sa.LargeBinary(), nullable=True))
    cipher = _cipher()

    def seal(text, column, uuid):
        return cipher.seal(text, "order_events", column, uuid).blob if text else None

    _convert(op.get_bind(), "", "_sealed", seal)
    with op.batch_alter_table("order_events", schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.drop_column(column)
            batch_op.alter_column(column + "_sealed", new_column_name=column)
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_column("comment_public")


def downgrade():
    from privacy.crypto import Sealed
    from privacy.redaction import redact_text

    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("comment_public", sa.Text(), nullable=True))
    bind = op.get_bind()
    cipher = _cipher()
    ratings = sa.table(
        "ratings",
        sa.column("id"),
        sa.column("uuid"),
        sa.column("comment"),
        sa.column("comment_public"),
    )
    for row in bind.execute(sa.select(ratings).where(ratings.c.comment.is_not(None))).all():
        text = cipher.open(Sealed(bytes(row.comment)), "ratings", "comment", row.uuid)
        bind.execute(
            ratings.update().where(ratings.c.id == row.id).values(comment_public=redact_text(text))
        )
    with op.batch_alter_table("order_events", schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.add_column(sa.Column(column + "_text", sa.Text(), nullable=True))

    def open_(blob, column, uuid):
        return cipher.open(Sealed(bytes(blob)), "order_events", column, uuid) if blob else None

    _convert(bind, "", "_text", open_)
    with op.batch_alter_table("order_events", schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.drop_column(column)
            batch_op.alter_column(column + "_text", new_column_name=column)
