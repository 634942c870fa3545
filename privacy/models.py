"""The access log: an append-only, hash-chained record of every plaintext read.

``access_log`` holds the entries; ``access_log_head`` is one row with the last sequence
number and hash. Writers take the next number by incrementing the head row, which locks it
until they commit, so concurrent workers never fork the chain; the head also lets the
verifier notice entries cut off the end. Entries refer to staff, units and orders by plain
ids (no foreign keys): the log must outlive whatever it mentions, and ``privacy`` knows no
domain tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from privacy.orm import Base, UTCDateTime

GENESIS_HASH = "0" * 64


class AccessLogEntry(Base):
    __tablename__ = "access_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # "reveal" (plaintext shown to someone) or "erase" (retention wiped personal fields).
    action: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))  # "staff:12", "system:retention"
    role: Mapped[str] = mapped_column(String(24))
    unit_id: Mapped[int | None] = mapped_column(Integer)
    order_id: Mapped[int | None] = mapped_column(Integer, index=True)
    order_no: Mapped[str | None] = mapped_column(String(20))
    # "table:uuid" of each record read, comma separated.
    records: Mapped[str] = mapped_column(Text)
    # "table.column" of each field read, comma separated.
    fields: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str | None] = mapped_column(Text)
    client_addr: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    # Canonical JSON {"table.column": keyed hash of the normalised value}; never the value.
    value_hashes: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class AccessLogHead(Base):
    __tablename__ = "access_log_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))


@event.listens_for(AccessLogEntry, "before_update")
@event.listens_for(AccessLogEntry, "before_delete")
def _append_only(mapper, connection, target):
    raise RuntimeError("the access log is append-only")
