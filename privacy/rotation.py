"""Field-key rotation: count ciphertexts per key id, re-encrypt them under the primary.

Every ``Encrypted`` column in ``privacy.orm.Base.metadata`` is found generically; each such
table has a ``uuid`` column (the ciphertexts are bound to it) and a single-column primary
key. Re-encryption walks each table in primary-key order, one batch per transaction, so the
service keeps reading and writing while it runs, and a stopped run simply starts again
(rows already under the primary are skipped).

A row is written back only if its ciphertext is still the one that was read
(``UPDATE ... WHERE id = :id AND col = :old``): a value the service changed meanwhile is
left alone and counted, and the next run picks it up if it still needs it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Column, MetaData, Table, bindparam, func, select, update
from sqlalchemy.orm import Session
from tqdm import tqdm

from privacy.crypto import FieldCipher, Sealed
from privacy.fields import Encrypted, EncryptedBytes
from privacy.orm import Base

HEADER_MAX = 5 + 32  # magic, format, algorithm, key-id length, key id (see privacy.crypto)
# Rows per batch of a table holding photos: a stored photo runs to a few MB, and a batch
# holds its old and new ciphertexts in memory at once (16 rows: well under 200 MB).
MEDIA_BATCH_ROWS = 16


def batch_rows(cols: list[Column], batch_size: int) -> int:
    """The batch for a table: ``batch_size`` rows, fewer when it holds photos."""
    if any(isinstance(c.type, EncryptedBytes) for c in cols):
        return max(1, min(batch_size, MEDIA_BATCH_ROWS))
    return batch_size


def encrypted_tables(metadata: MetaData | None = None) -> list[tuple[Table, list[Column]]]:
    metadata = metadata or Base.metadata
    found = []
    for table in metadata.sorted_tables:
        cols = [c for c in table.columns if isinstance(c.type, Encrypted)]
        if cols:
            if "uuid" not in table.c or len(table.primary_key.columns) != 1:
                raise RuntimeError(f"{table.name}: encrypted tables need a uuid and one key")
            found.append((table, cols))
    return found


def header_key_id(prefix: bytes) -> str:
    """Key id named in a ciphertext header; ``"<invalid>"`` if the header is malformed."""
    prefix = bytes(prefix)
    if len(prefix) < 5 or prefix[:2] != b"YG":
        return "<invalid>"
    try:
        return prefix[5 : 5 + prefix[4]].decode("ascii")
    except UnicodeDecodeError:
        return "<invalid>"


def key_report(session: Session, metadata: MetaData | None = None) -> dict[str, Counter]:
    """``{"table.column": Counter({key_id: n})}`` over every non-null ciphertext.

    Only the header bytes are fetched (``substr`` works on BLOB and bytea alike).
    """
    report: dict[str, Counter] = {}
    for table, cols in encrypted_tables(metadata):
        for col in cols:
            counts: Counter = Counter()
            stmt = select(func.substr(col, 1, HEADER_MAX)).where(col.is_not(None))
            for (head,) in session.execute(stmt).yield_per(5000):
                counts[header_key_id(head)] += 1
            report[f"{table.name}.{col.name}"] = counts
    return report


def totals_by_key(report: dict[str, Counter]) -> Counter:
    total: Counter = Counter()
    for counts in report.values():
        total.update(counts)
    return total


@dataclass
class RotationStats:
    rows_seen: int = 0
    resealed: int = 0  # ciphertexts re-encrypted and written
    skipped_changed: int = 0  # rows changed by the service meanwhile; run again
    per_table: dict[str, int] = field(default_factory=dict)


def _reseal_row(cipher: FieldCipher, table: Table, cols: list[Column], row) -> dict:
    changes = {}
    for col in cols:
        sealed: Sealed | None = row._mapping[col.name]
        if sealed is None or sealed.key_id == cipher.ring.primary_id:
            continue
        changes[col.name] = (sealed, cipher.reseal(sealed, table.name, col.name, row.uuid))
    return changes


def _write(session: Session, table: Table, pk: Column, colset: tuple[str, ...], params) -> int:
    stmt = update(table).where(
        pk == bindparam("_pk"), *[table.c[c] == bindparam(f"_old_{c}") for c in colset]
    )
    stmt = stmt.values({c: bindparam(f"_new_{c}") for c in colset})
    if session.get_bind().dialect.supports_sane_multi_rowcount:
        return session.execute(stmt, params).rowcount
    return sum(session.execute(stmt, p).rowcount for p in params)


def rotate(
    session: Session,
    cipher: FieldCipher,
    *,
    batch_size: int = 500,
    progress: bool = False,
    metadata: MetaData | None = None,
    on_batch: Callable[[str, int], None] | None = None,
) -> RotationStats:
    """Re-encrypt every field ciphertext not under ``cipher.ring``'s primary key.

    Commits after each batch (``batch_size`` rows; ``MEDIA_BATCH_ROWS`` for photos): this is
    a maintenance task, the only caller that commits in ``privacy``. ``on_batch(table,
    last_id)`` is called after each commit.
    """
    stats = RotationStats()
    for table, cols in encrypted_tables(metadata):
        pk = next(iter(table.primary_key.columns))
        rows_per_batch = batch_rows(cols, batch_size)
        total = session.scalar(select(func.count()).select_from(table)) or 0
        done = 0
        bar = tqdm(total=total, desc=table.name, unit="row", disable=not progress, leave=True)
        last = None
        while True:
            stmt = select(pk, table.c.uuid, *cols).order_by(pk).limit(rows_per_batch)
            if last is not None:
                stmt = stmt.where(pk > last)
            rows = session.execute(stmt).all()
            if not rows:
                break
            groups: dict[tuple[str, ...], list[dict]] = defaultdict(list)
            for row in rows:
                changes = _reseal_row(cipher, table, cols, row)
                if not changes:
                    continue
                colset = tuple(sorted(changes))
                params = {"_pk": row[0]}
                for name, (old, new) in changes.items():
                    params[f"_old_{name}"], params[f"_new_{name}"] = old, new
                groups[colset].append(params)
            for colset, params in groups.items():
                written = _write(session, table, pk, colset, params)
                stats.resealed += written * len(colset)
                stats.skipped_changed += len(params) - written
                done += written * len(colset)
            session.commit()
            last = rows[-1][0]
            stats.rows_seen += len(rows)
            bar.update(len(rows))
            if on_batch is not None:
                on_batch(table.name, last)
        bar.close()
        stats.per_table[table.name] = done
    return stats
