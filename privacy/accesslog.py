"""Writing, hashing and verifying the access log (``privacy.models.AccessLogEntry``).

Chain: ``entry_hash = HMAC-SHA256(log_key("chain"), canonical JSON of the entry)``, where the
canonical JSON holds every column but ``entry_hash`` itself, including ``seq`` and
``prev_hash``. Editing a row, deleting one, inserting one or swapping two changes what the
verifier recomputes; without the log key nobody can recompute a consistent chain.

Personal values never enter the log: each value read is represented by
``HMAC-SHA256(log_key("value"), kind + normalised value)``, which lets a privacy officer find
every read of one phone or ID number by typing it (``find_by_value``) and nothing more.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from privacy.blind_index import NormalisationError, normalise_id_number, normalise_phone
from privacy.keyring import KeyRing
from privacy.models import GENESIS_HASH, AccessLogEntry, AccessLogHead
from privacy.orm import utcnow
from privacy.redaction import redact_text

HEAD_ID = 1
ACTION_REVEAL = "reveal"
ACTION_ERASE = "erase"
# The requester reading their own personal data (the download of "my data"): logged like a
# reveal, but not a staff read, so the anomaly checks leave it out.
ACTION_OWNER_READ = "owner_read"


class AccessLogError(RuntimeError):
    """The access-log entry could not be written, so the plaintext is withheld."""

    message = "访问日志写入失败，个人信息明文不予返回"


@dataclass(frozen=True)
class AccessContext:
    """Who reads, for which order and why; stored with every entry.

    ``order_id``/``order_no`` are passed in by the caller as plain values (``privacy`` does
    not know the ``Order`` model). ``client_addr`` and ``request_id`` come from the request.
    """

    actor: str
    role: str
    unit_id: int | None = None
    order_id: int | None = None
    order_no: str | None = None
    purpose: str | None = None
    client_addr: str | None = None
    request_id: str | None = None
    # When the read happened; ``None`` means now. Set only when recording reads that
    # happened before they reach the log (imports, demo data); the services never do.
    occurred_at: datetime | None = None

    @classmethod
    def for_staff(cls, user_id: int, role: str, unit_id: int | None = None, **kw):
        return cls(actor=f"staff:{user_id}", role=str(role), unit_id=unit_id, **kw)

    @classmethod
    def for_system(cls, task: str, **kw):
        return cls(actor=f"system:{task}", role="system", **kw)

    def for_order(self, order_id: int | None, order_no: str | None) -> AccessContext:
        return replace(self, order_id=order_id, order_no=order_no)

    def with_request(self) -> AccessContext:
        """Fill client address and request id from the current Flask request, if any."""
        from flask import g, has_request_context, request

        if not has_request_context():
            return self
        return replace(
            self,
            client_addr=self.client_addr or request.remote_addr,
            request_id=self.request_id or g.get("request_id"),
        )


# -- hashing ------------------------------------------------------------------------------
def normalise_value(kind: str, value: str) -> str:
    try:
        if kind == "phone":
            return normalise_phone(value)
        if kind == "id_number":
            return normalise_id_number(value)
    except NormalisationError:
        pass
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", value)).strip()


def value_hash(ring: KeyRing, kind: str, value: str | bytes) -> str:
    if isinstance(value, bytes):  # a photo: its exact bytes
        data = kind.encode() + b":" + value
    else:
        data = f"{kind}:{normalise_value(kind, value)}".encode()
    return hmac.new(ring.log_key("value"), data, hashlib.sha256).hexdigest()


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(entry) -> bytes:
    """The bytes an entry's hash covers. ``entry`` is a model instance or a result row."""
    body = {
        "seq": entry.seq,
        "at": _iso(entry.occurred_at),
        "action": entry.action,
        "actor": entry.actor,
        "role": entry.role,
        "unit_id": entry.unit_id,
        "order_id": entry.order_id,
        "order_no": entry.order_no,
        "records": entry.records,
        "fields": entry.fields,
        "purpose": entry.purpose,
        "client_addr": entry.client_addr,
        "request_id": entry.request_id,
        "value_hashes": entry.value_hashes,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(ring: KeyRing, entry) -> str:
    return hmac.new(ring.log_key("chain"), canonical(entry), hashlib.sha256).hexdigest()


# -- writing ------------------------------------------------------------------------------
def _claim_next(session: Session) -> AccessLogHead:
    """Take the next sequence number: the head row, incremented and locked.

    Incrementing first (``UPDATE ... SET last_seq = last_seq + 1``) takes the row lock on
    PostgreSQL and the database write lock on SQLite before the head is read, so a second
    writer waits for this transaction instead of reading the same head and forking the
    chain. The head row is created by the very first write; a writer that finds it
    missing while the log has entries refuses (the head was removed).
    """
    bump = (
        update(AccessLogHead)
        .where(AccessLogHead.id == HEAD_ID)
        .values(last_seq=AccessLogHead.last_seq + 1)
        .execution_options(synchronize_session=False)
    )
    if session.execute(bump).rowcount == 0:
        if session.get_bind().dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        created = session.execute(
            insert(AccessLogHead)
            .values(id=HEAD_ID, last_seq=0, last_hash=GENESIS_HASH)
            .on_conflict_do_nothing()
            .returning(AccessLogHead.id)
        ).first()
        # Only the writer that created the head checks the log: a concurrent first writer
        # may have committed the head and its first entry meanwhile, which is no tampering.
        if created is not None and session.scalar(select(func.count()).select_from(AccessLogEntry)):
            # Someone removed the head of a non-empty log: refuse rather than guess.
            raise AccessLogError("access_log_head is missing but the log is not empty")
        session.execute(bump)
    return session.scalars(
        select(AccessLogHead)
        .where(AccessLogHead.id == HEAD_ID)
        .execution_options(populate_existing=True)
    ).one()


def append_entry(
    session: Session,
    ring: KeyRing,
    ctx: AccessContext,
    *,
    action: str,
    records: Sequence[str],
    fields: Sequence[str],
    value_hashes: dict[str, str],
) -> AccessLogEntry:
    """Append one entry and flush it. Raises ``AccessLogError`` if it cannot be written.

    The head row stays locked until the surrounding transaction ends, so the entry commits
    (or rolls back) together with whatever it records, and writers queue behind each other.
    """
    try:
        head = _claim_next(session)
        entry = AccessLogEntry(
            seq=head.last_seq,
            occurred_at=ctx.occurred_at or utcnow(),
            action=action,
            actor=ctx.actor,
            role=ctx.role,
            unit_id=ctx.unit_id,
            order_id=ctx.order_id,
            order_no=ctx.order_no,
            records=",".join(records),
            fields=",".join(fields),
            # A purpose is typed by staff: it may quote a number; the log keeps it redacted.
            purpose=redact_text(ctx.purpose),
            client_addr=ctx.client_addr,
            request_id=ctx.request_id,
            value_hashes=json.dumps(value_hashes, sort_keys=True, separators=(",", ":")),
            prev_hash=head.last_hash,
        )
        entry.entry_hash = entry_hash(ring, entry)
        session.add(entry)
        head.last_hash = entry.entry_hash
        session.flush()
    except AccessLogError:
        raise
    except SQLAlchemyError as exc:
        raise AccessLogError(f"access log write failed: {exc.__class__.__name__}") from exc
    return entry


def find_by_value(session: Session, ring: KeyRing, kind: str, value: str) -> list[AccessLogEntry]:
    """Every entry that read this phone (``kind="phone"``), ID number or other value."""
    needle = value_hash(ring, kind, value)
    return list(
        session.scalars(
            select(AccessLogEntry)
            .where(AccessLogEntry.value_hashes.contains(needle))
            .order_by(AccessLogEntry.seq)
        )
    )


# -- verifying ----------------------------------------------------------------------------
class ChainBreak(StrEnum):
    """What the verifier found wrong, for callers that word it for people (the console
    says it in Chinese); ``ChainReport.problem`` is the same in English, for the CLI."""

    MISSING = "missing"  # a sequence number is skipped: entries were deleted in the middle
    LINK = "link"  # prev_hash does not match the entry before: inserted or reordered
    CONTENT = "content"  # the entry does not match its own hash: edited or forged
    REMOVED = "removed"  # the head counts more entries than the log has: cut off the end
    ADDED = "added"  # more entries than the head counts: appended around the writer
    HEAD = "head"  # the last entry is not the one the head records


@dataclass
class ChainReport:
    ok: bool
    checked: int
    last_seq: int
    last_hash: str
    first_bad_seq: int | None = None
    problem: str | None = None
    kind: ChainBreak | None = None
    # The sequence number the break points to beyond ``first_bad_seq``: the next entry
    # found (MISSING) or the head's count (REMOVED).
    other_seq: int | None = None

    def describe(self) -> str:
        if self.ok:
            return f"access log intact: {self.checked} entries, head seq {self.last_seq}"
        return f"access log BROKEN at seq {self.first_bad_seq}: {self.problem}"


def verify_chain(session: Session, ring: KeyRing, *, upto: int | None = None) -> ChainReport:
    """Recompute the chain from the first entry; name the first entry that does not fit.

    With ``upto`` the check stops at that sequence number (checkpoint verification) and the
    head row is not compared.
    """
    stmt = select(AccessLogEntry.__table__).order_by(AccessLogEntry.seq)
    if upto is not None:
        stmt = stmt.where(AccessLogEntry.seq <= upto)
    expected, prev, checked = 1, GENESIS_HASH, 0

    def broken(seq: int, kind: ChainBreak, problem: str, other: int | None = None):
        return ChainReport(False, checked, expected - 1, prev, seq, problem, kind, other)

    for row in session.execute(stmt).yield_per(1000):
        if row.seq != expected:
            return broken(
                expected,
                ChainBreak.MISSING,
                f"entry {expected} is missing (next is {row.seq})",
                row.seq,
            )
        if row.prev_hash != prev:
            return broken(
                row.seq,
                ChainBreak.LINK,
                "previous-hash link does not match the entry before it",
            )
        if not hmac.compare_digest(entry_hash(ring, row), row.entry_hash):
            return broken(
                row.seq,
                ChainBreak.CONTENT,
                "entry content does not match its hash (edited or forged)",
            )
        prev, expected, checked = row.entry_hash, expected + 1, checked + 1
    last_seq = expected - 1
    if upto is not None:
        return ChainReport(True, checked, last_seq, prev)
    head = session.get(AccessLogHead, HEAD_ID, populate_existing=True)
    head_seq, head_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
    if head_seq > last_seq:
        return broken(
            last_seq + 1,
            ChainBreak.REMOVED,
            f"entries {last_seq + 1}..{head_seq} were removed",
            head_seq,
        )
    if head_seq < last_seq:
        return broken(head_seq + 1, ChainBreak.ADDED, "entries were added without passing the head")
    if head_hash != prev:
        return broken(last_seq, ChainBreak.HEAD, "the last entry does not match the head record")
    return ChainReport(True, checked, last_seq, prev)
