"""Versioned master keys and the purpose keys derived from them with HKDF.

Keys come from configuration, never from the database: a JSON document given in the
``HOTLINE_KEYS`` environment variable or in a key file. Its shape::

    {"primary": "k2",
     "keys": {"k1": {"secret": "<base64 32 bytes>", "state": "retired"},
              "k2": {"secret": "<base64 32 bytes>", "state": "active"}},
     "development": false}

``state`` is ``active`` (decrypts; the primary also encrypts) or ``retired`` (no field
ciphertext uses it any more). Field keys rotate; blind indexes, content fingerprints and the
access log are keyed from one anchor key each (``index_key``, ``log_key``, by default the
first key), because their values cannot be recomputed from anything stored: a query code is
kept only as its keyed hash, and the access log never changes. An anchor stays in the ring
even when retired for fields.
A ring marked ``development`` is generated on first run into ``instance/`` and is refused
in production.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
ACTIVE = "active"
RETIRED = "retired"


class KeyRingError(RuntimeError):
    """The key configuration is missing, malformed or not allowed here."""


@dataclass(frozen=True)
class MasterKey:
    key_id: str
    secret: bytes = field(repr=False)
    state: str = ACTIVE


@lru_cache(maxsize=4096)
def _hkdf(secret: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(secret)


class KeyRing:
    def __init__(
        self,
        keys: dict[str, MasterKey],
        primary: str,
        *,
        development: bool = False,
        index_key_id: str | None = None,
        log_key_id: str | None = None,
    ):
        if not keys:
            raise KeyRingError("key ring holds no keys")
        if primary not in keys:
            raise KeyRingError(f"primary key id {primary!r} is not in the key ring")
        if keys[primary].state != ACTIVE:
            raise KeyRingError(f"primary key {primary!r} is retired")
        for key in keys.values():
            if not KEY_ID_RE.match(key.key_id):
                raise KeyRingError(f"bad key id {key.key_id!r}")
            if len(key.secret) != 32:
                raise KeyRingError(f"key {key.key_id!r} must be 32 bytes")
        self.keys = dict(keys)
        self.primary_id = primary
        self.development = development
        self.index_key_id = index_key_id or primary
        self.log_key_id = log_key_id or primary
        for anchor in (self.index_key_id, self.log_key_id):
            if anchor not in keys:
                raise KeyRingError(f"anchor key id {anchor!r} is not in the key ring")

    # -- loading and saving ------------------------------------------------------------
    @classmethod
    def from_document(cls, doc: dict) -> KeyRing:
        try:
            keys = {}
            for key_id, entry in doc["keys"].items():
                if isinstance(entry, str):
                    entry = {"secret": entry}
                secret = base64.b64decode(entry["secret"], validate=True)
                keys[key_id] = MasterKey(key_id, secret, entry.get("state", ACTIVE))
            return cls(
                keys,
                doc["primary"],
                development=bool(doc.get("development", False)),
                index_key_id=doc.get("index_key"),
                log_key_id=doc.get("log_key"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyRingError(f"malformed key ring: {exc.__class__.__name__}") from exc

    def to_document(self) -> dict:
        return {
            "primary": self.primary_id,
            "development": self.development,
            "index_key": self.index_key_id,
            "log_key": self.log_key_id,
            "keys": {
                k.key_id: {"secret": base64.b64encode(k.secret).decode(), "state": k.state}
                for k in self.keys.values()
            },
        }

    @classmethod
    def load_file(cls, path: str | os.PathLike) -> KeyRing:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise KeyRingError(f"cannot read key file {path}: {exc.strerror}") from exc
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise KeyRingError(f"key file {path} is not JSON") from exc
        return cls.from_document(doc)

    def save_file(self, path: str | os.PathLike) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(self.to_document(), fh, indent=2)
        os.replace(tmp, path)

    @classmethod
    def generate(cls, *, development: bool, key_id: str = "k1") -> KeyRing:
        return cls(
            {key_id: MasterKey(key_id, secrets.token_bytes(32))}, key_id, development=development
        )

    # -- changing the ring (used by the rotation CLI) ------------------------------------
    def with_new_key(self, key_id: str) -> KeyRing:
        if key_id in self.keys:
            raise KeyRingError(f"key id {key_id!r} already exists")
        keys = dict(self.keys)
        keys[key_id] = MasterKey(key_id, secrets.token_bytes(32))
        return self._copy(keys, self.primary_id)

    def with_primary(self, key_id: str) -> KeyRing:
        return self._copy(self.keys, key_id)

    def _copy(self, keys: dict[str, MasterKey], primary: str) -> KeyRing:
        return KeyRing(
            keys,
            primary,
            development=self.development,
            index_key_id=self.index_key_id,
            log_key_id=self.log_key_id,
        )

    def with_retired(self, key_id: str) -> KeyRing:
        if key_id == self.primary_id:
            raise KeyRingError("the primary key cannot be retired")
        if key_id not in self.keys:
            raise KeyRingError(f"unknown key id {key_id!r}")
        keys = dict(self.keys)
        keys[key_id] = MasterKey(key_id, keys[key_id].secret, RETIRED)
        return self._copy(keys, self.primary_id)

    # -- derived keys ------------------------------------------------------------------
    def master(self, key_id: str) -> MasterKey:
        try:
            return self.keys[key_id]
        except KeyError:
            raise KeyRingError(f"unknown key id {key_id!r}") from None

    @property
    def primary(self) -> MasterKey:
        return self.keys[self.primary_id]

    def active_ids(self) -> list[str]:
        """Key ids that may still hold field ciphertexts, primary first."""
        others = sorted(
            k for k, v in self.keys.items() if v.state == ACTIVE and k != self.primary_id
        )
        return [self.primary_id, *others]

    def field_key(self, key_id: str, table: str, column: str, length: int = 32) -> bytes:
        key = self.master(key_id)
        if key.state != ACTIVE:
            raise KeyRingError(f"key {key_id!r} is retired and no longer decrypts fields")
        return _hkdf(key.secret, f"yg/field/v1/{table}/{column}".encode(), length)

    def index_key(self, purpose: str) -> bytes:
        """Key of one blind index or fingerprint (``phone``, ``id_number``, ``query_code``...)."""
        return _hkdf(self.master(self.index_key_id).secret, f"yg/index/v1/{purpose}".encode(), 32)

    def log_key(self, purpose: str = "chain") -> bytes:
        """Key of the access log's hash chain (``chain``) or its value hashes (``value``)."""
        return _hkdf(
            self.master(self.log_key_id).secret, f"yg/access-log/v1/{purpose}".encode(), 32
        )

    def signing_seed(self) -> bytes:
        """Seed of the Ed25519 key that signs access-log checkpoints."""
        return _hkdf(self.master(self.log_key_id).secret, b"yg/checkpoint-ed25519/v1", 32)


def load_keyring(
    *, env_value: str | None, key_file: str | None, instance_path: str, production: bool
) -> KeyRing:
    """Resolve the key ring from configuration; generate a development ring if allowed."""
    if env_value:
        try:
            ring = KeyRing.from_document(json.loads(env_value))
        except ValueError as exc:
            raise KeyRingError("HOTLINE_KEYS is not valid JSON") from exc
    elif key_file:
        ring = KeyRing.load_file(key_file)
    elif production:
        raise KeyRingError(
            "production mode needs keys: set HOTLINE_KEYS or HOTLINE_KEY_FILE (see README)"
        )
    else:
        dev_path = Path(instance_path) / "dev-keys.json"
        if dev_path.exists():
            ring = KeyRing.load_file(dev_path)
        else:
            ring = KeyRing.generate(development=True)
            ring.save_file(dev_path)
    if production and ring.development:
        raise KeyRingError("production mode refuses development keys")
    return ring
