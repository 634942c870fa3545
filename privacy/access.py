"""Reading personal fields: masked by default, plaintext only through the access log.

The functions the APIs call:

- ``present(session, obj, fields, viewer=..., facts=..., ctx=..., reveal=...)``: what an
  output schema puts in a response. Applies the role matrix (``privacy.matrix``): fields are
  masked (or hidden) unless listed in ``reveal`` and granted; if any plaintext is granted,
  exactly one access-log entry is written first.
- ``masked(obj, fields)``: the masked forms, never logged (nothing personal leaves).
- ``reveal(session, obj, fields, ctx=...)`` / ``reveal_many``: plaintext with logging, for
  callers that made their own decision (the privacy office console, system tasks).

Plaintext is returned only after its log entry is flushed in the caller's transaction; if
the entry cannot be written, ``AccessLogError`` is raised and nothing is returned (fail
closed). The values are decrypted before the entry is written because the entry carries a
keyed hash of each value read; until the entry exists they stay inside this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from sqlalchemy.orm import Session

from privacy import accesslog, catalog
from privacy.accesslog import AccessContext, AccessLogError
from privacy.crypto import FieldCipher
from privacy.fields import column_binding, open_field
from privacy.keyring import KeyRing
from privacy.matrix import OrderFacts, PlaintextRefused, Viewer, Visibility, decide, grant_for

__all__ = [
    "AccessContext",
    "AccessLogError",
    "OrderFacts",
    "PlaintextRefused",
    "Viewer",
    "masked",
    "present",
    "reveal",
    "reveal_many",
]


def _keys(ring: KeyRing | None, cipher: FieldCipher | None) -> tuple[KeyRing, FieldCipher]:
    if ring is None or cipher is None:
        from privacy.runtime import runtime

        rt = runtime()
        return ring or rt.ring, cipher or rt.cipher
    return ring, cipher


def _open(cipher: FieldCipher, obj, fields: Iterable[str]) -> dict[str, str | None]:
    return {name: open_field(cipher, obj, name) for name in fields}


def _log(
    session: Session,
    ring: KeyRing,
    ctx: AccessContext,
    opened: Sequence[tuple[object, dict[str, str | None]]],
    action: str = accesslog.ACTION_REVEAL,
) -> None:
    records, fields, hashes = [], [], {}
    for obj, values in opened:
        for name, value in values.items():
            table, column, record_id = column_binding(obj, name)
            ref = f"{table}:{record_id}"
            if ref not in records:
                records.append(ref)
            qualified = f"{table}.{column}"
            if qualified not in fields:
                fields.append(qualified)
            if value is not None:
                kind = catalog.field(table, column).value_kind
                hashes[f"{qualified}@{record_id}"] = accesslog.value_hash(ring, kind, value)
    accesslog.append_entry(
        session,
        ring,
        ctx.with_request(),
        action=action,
        records=records,
        fields=fields,
        value_hashes=hashes,
    )


def reveal_many(
    session: Session,
    items: Sequence[tuple[object, Sequence[str]]],
    *,
    ctx: AccessContext,
    ring: KeyRing | None = None,
    cipher: FieldCipher | None = None,
    action: str = accesslog.ACTION_REVEAL,
) -> list[dict[str, str | None]]:
    """Plaintext of several records of one order (e.g. the order and its events), one entry.
    ``action`` is ``owner_read`` when the requester reads their own data.

    Raises ``DecryptionError`` (wrong key, moved ciphertext) or ``AccessLogError``; in both
    cases nothing is returned.
    """
    ring, cipher = _keys(ring, cipher)
    opened = [(obj, _open(cipher, obj, fields)) for obj, fields in items]
    _log(session, ring, ctx, opened, action)
    return [values for _, values in opened]


def reveal(
    session: Session,
    obj,
    fields: Sequence[str],
    *,
    ctx: AccessContext,
    ring: KeyRing | None = None,
    cipher: FieldCipher | None = None,
) -> dict[str, str | None]:
    """Plaintext of ``fields`` of one record, after writing one access-log entry."""
    return reveal_many(session, [(obj, fields)], ctx=ctx, ring=ring, cipher=cipher)[0]


def _mask(obj, name: str, value: str | None) -> str | None:
    table, column, _ = column_binding(obj, name)
    return catalog.mask(table, column, value)


def masked(obj, fields: Sequence[str], *, cipher: FieldCipher | None = None) -> dict:
    """Masked forms of ``fields`` (free text redacted). Writes no log entry."""
    if cipher is None:
        cipher = _keys(None, None)[1]
    return {name: _mask(obj, name, value) for name, value in _open(cipher, obj, fields).items()}


def present(
    session: Session,
    obj,
    fields: Sequence[str],
    *,
    viewer: Viewer,
    facts: OrderFacts,
    ctx: AccessContext | None = None,
    reveal: Iterable[str] = (),
    ring: KeyRing | None = None,
    cipher: FieldCipher | None = None,
) -> dict[str, str | None]:
    """The value of each field as ``viewer`` may see it: plain, masked or ``None`` (hidden).

    Plaintext only for the fields in ``reveal`` that the role matrix grants (otherwise
    ``PlaintextRefused``), and then exactly one access-log entry; masked output writes none.
    ``ctx`` (actor, order, purpose, request) is required when anything is revealed; its
    purpose is checked by the matrix and defaults to the rule's own (e.g. 联系诉求人).
    """
    plan = decide(viewer, facts, fields, reveal=reveal, purpose=ctx.purpose if ctx else None)
    plain = [name for name, v in plan.items() if v is Visibility.PLAIN]
    shown = [name for name, v in plan.items() if v is not Visibility.HIDDEN]
    ring, cipher = _keys(ring, cipher)
    values = _open(cipher, obj, shown)
    if plain:
        if ctx is None:
            raise ValueError("a plaintext read needs an AccessContext")
        grant = grant_for(viewer, facts)
        if not ctx.purpose and grant.default_purpose:
            ctx = replace(ctx, purpose=grant.default_purpose)
        _log(session, ring, ctx, [(obj, {name: values[name] for name in plain})])
    out: dict[str, str | None] = {}
    for name, visibility in plan.items():
        if visibility is Visibility.PLAIN:
            out[name] = values[name]
        elif visibility is Visibility.MASKED:
            out[name] = _mask(obj, name, values[name])
        else:
            out[name] = None
    return out
