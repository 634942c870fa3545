"""Field encryption with an AEAD: AES-256-GCM by default, SM4-GCM when configured.

Ciphertext layout (bytes)::

    magic "YG" | format version (1) | algorithm (1) | key-id length (1) | key id (ascii)
    | nonce (12) | ciphertext + 16-byte tag

The associated data is the header plus ``table/column/record-uuid``: a ciphertext copied to
another row or column fails to authenticate instead of decrypting to someone else's data.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from privacy.keyring import KeyRing, KeyRingError

MAGIC = b"YG"
FORMAT_V1 = 1
ALG_AES256GCM = 1
ALG_SM4GCM = 2
ALGORITHMS = {"AES-256-GCM": ALG_AES256GCM, "SM4-GCM": ALG_SM4GCM}
NONCE_LEN = 12
TAG_LEN = 16


class DecryptionError(RuntimeError):
    """A ciphertext could not be authenticated: wrong key, wrong place, or tampered."""


@dataclass(frozen=True, slots=True)
class Sealed:
    """An encrypted field value as it sits in the database. It never holds plaintext."""

    blob: bytes

    @property
    def key_id(self) -> str:
        return parse_header(self.blob)[2]

    def __repr__(self) -> str:  # never leak even the ciphertext into logs
        return f"Sealed(<{len(self.blob)} bytes>)"


def parse_header(blob: bytes) -> tuple[int, int, str, int]:
    """Return (format, algorithm, key id, header length) or raise DecryptionError."""
    if len(blob) < 6 or blob[:2] != MAGIC:
        raise DecryptionError("not a sealed field value")
    fmt, alg, klen = blob[2], blob[3], blob[4]
    if fmt != FORMAT_V1:
        raise DecryptionError(f"unknown ciphertext format {fmt}")
    if alg not in (ALG_AES256GCM, ALG_SM4GCM):
        raise DecryptionError(f"unknown algorithm {alg}")
    end = 5 + klen
    if len(blob) < end + NONCE_LEN + TAG_LEN:
        raise DecryptionError("ciphertext truncated")
    return fmt, alg, blob[5:end].decode("ascii"), end


def _aad(header: bytes, table: str, column: str, record_id: str) -> bytes:
    return header + f"|{table}/{column}/{record_id}".encode()


class FieldCipher:
    def __init__(self, ring: KeyRing, algorithm: str = "AES-256-GCM"):
        if algorithm not in ALGORITHMS:
            raise KeyRingError(
                f"unknown field algorithm {algorithm!r}; use one of {list(ALGORITHMS)}"
            )
        self.ring = ring
        self.algorithm = ALGORITHMS[algorithm]
        # AESGCM objects (or SM4 keys) per key id, table and column. Building one costs more
        # than encrypting a short field, and the ring of a cipher never changes.
        self._keys: dict[tuple[int, str, str, str], object] = {}
        self._sealers: dict[tuple[str, str], Callable[[str, str], Sealed]] = {}
        self._byte_sealers: dict[tuple[str, str], Callable[[bytes, str], Sealed]] = {}

    def _key(self, alg: int, key_id: str, table: str, column: str):
        cache_key = (alg, key_id, table, column)
        key = self._keys.get(cache_key)
        if key is None:
            if alg == ALG_AES256GCM:
                key = AESGCM(self.ring.field_key(key_id, table, column))
            else:
                key = self.ring.field_key(key_id, table, column, 16)
            self._keys[cache_key] = key
        return key

    def seal(self, plaintext: str, table: str, column: str, record_id: str) -> Sealed:
        return self.sealer(table, column)(plaintext, record_id)

    def sealer(self, table: str, column: str) -> Callable[[str, str], Sealed]:
        """``seal`` for one column: ``sealer(table, column)(plaintext, record_id)``. The key
        and the header are worked out once, so bulk writers sealing millions of values of a
        few columns pay only for the encryption."""
        sealer = self._sealers.get((table, column))
        if sealer is None:
            sealer = self._sealers[table, column] = self._make_sealer(table, column)
        return sealer

    def seal_bytes(self, data: bytes, table: str, column: str, record_id: str) -> Sealed:
        """``seal`` for a binary value (a photo): the same header and associated data."""
        sealer = self._byte_sealers.get((table, column))
        if sealer is None:
            sealer = self._byte_sealers[table, column] = self._make_sealer(table, column, True)
        return sealer(data, record_id)

    def _make_sealer(self, table: str, column: str, binary: bool = False) -> Callable:
        key_id = self.ring.primary_id
        kid = key_id.encode("ascii")
        header = MAGIC + bytes([FORMAT_V1, self.algorithm, len(kid)]) + kid
        aad_prefix = _aad(header, table, column, "")
        key = self._key(self.algorithm, key_id, table, column)
        aes = self.algorithm == ALG_AES256GCM

        def seal(plaintext, record_id: str) -> Sealed:
            if binary and isinstance(plaintext, bytes):
                data = plaintext
            elif not binary and isinstance(plaintext, str):
                data = plaintext.encode("utf-8")
            else:
                raise TypeError("binary values are sealed as bytes, text as str")
            if not record_id:
                raise ValueError("a record id is needed to bind the ciphertext")
            nonce = os.urandom(NONCE_LEN)
            aad = aad_prefix + record_id.encode()
            if aes:
                body = key.encrypt(nonce, data, aad)
            else:
                enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
                enc.authenticate_additional_data(aad)
                body = enc.update(data) + enc.finalize() + enc.tag
            return Sealed(header + nonce + body)

        return seal

    def open(self, sealed: Sealed, table: str, column: str, record_id: str) -> str:
        return self.open_bytes(sealed, table, column, record_id).decode("utf-8")

    def open_bytes(self, sealed: Sealed, table: str, column: str, record_id: str) -> bytes:
        """``open`` without decoding: the sealed bytes (a photo), or text as UTF-8."""
        blob = sealed.blob
        _fmt, alg, key_id, hlen = parse_header(blob)
        header, nonce, body = blob[:hlen], blob[hlen : hlen + NONCE_LEN], blob[hlen + NONCE_LEN :]
        aad = _aad(header, table, column, record_id)
        try:
            key = self._key(alg, key_id, table, column)
            if alg == ALG_AES256GCM:
                data = key.decrypt(nonce, body, aad)
            else:
                dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, body[-TAG_LEN:])).decryptor()
                dec.authenticate_additional_data(aad)
                data = dec.update(body[:-TAG_LEN]) + dec.finalize()
        except InvalidTag:
            raise DecryptionError(
                f"{table}.{column} of record {record_id} does not authenticate under key {key_id!r}"
            ) from None
        except KeyRingError as exc:
            raise DecryptionError(str(exc)) from exc
        return data

    def reseal(self, sealed: Sealed, table: str, column: str, record_id: str) -> Sealed:
        """Re-encrypt under the primary key (rotation); a no-op if already there. Works on
        the bytes, so text and binary values alike."""
        if sealed.key_id == self.ring.primary_id:
            return sealed
        data = self.open_bytes(sealed, table, column, record_id)
        return self.seal_bytes(data, table, column, record_id)
