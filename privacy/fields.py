"""The column type for personal fields: the only way code stores or loads them.

An ``Encrypted`` column accepts only ``Sealed`` values and loads ``Sealed`` values: plaintext
can neither be written by accident nor read without going through ``privacy.access``, which
writes the access-log entry first. ``seal_field`` seals a value for one object's column,
binding it to the object's table, column and UUID.
"""

from __future__ import annotations

from sqlalchemy import LargeBinary, TypeDecorator, inspect

from privacy.crypto import FieldCipher, Sealed


class Encrypted(TypeDecorator):
    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, Sealed):
            raise TypeError(
                "personal fields take sealed values only; use privacy.fields.seal_field"
            )
        return value.blob

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Sealed(bytes(value))


class EncryptedBytes(Encrypted):
    """A personal field holding bytes (a photo): sealed with ``FieldCipher.seal_bytes``,
    opened as bytes; otherwise exactly an ``Encrypted`` column (rotation, the catalog)."""

    cache_ok = True


def _binding(obj, attr: str) -> tuple[str, str, str, bool]:
    mapper = inspect(obj).mapper
    column = mapper.columns[attr]
    if not isinstance(column.type, Encrypted):
        raise TypeError(f"{attr} is not an encrypted column")
    record_id = obj.uuid
    if not record_id:
        raise ValueError("object has no uuid yet")
    return column.table.name, column.name, record_id, isinstance(column.type, EncryptedBytes)


def column_binding(obj, attr: str) -> tuple[str, str, str]:
    """(table, column, record uuid) that a sealed value of ``obj.attr`` is bound to."""
    return _binding(obj, attr)[:3]


def seal_field(cipher: FieldCipher, obj, attr: str, plaintext: str | bytes | None) -> None:
    if not plaintext:
        setattr(obj, attr, None)
        return
    table, column, record_id, binary = _binding(obj, attr)
    seal = cipher.seal_bytes if binary else cipher.seal
    setattr(obj, attr, seal(plaintext, table, column, record_id))


def open_field(cipher: FieldCipher, obj, attr: str) -> str | bytes | None:
    """Decrypt one field (bytes for an ``EncryptedBytes`` column). Only ``privacy.access``
    and key rotation call this."""
    sealed = getattr(obj, attr)
    if sealed is None:
        return None
    table, column, record_id, binary = _binding(obj, attr)
    opened = cipher.open_bytes if binary else cipher.open
    return opened(sealed, table, column, record_id)
