"""Signed checkpoints of the access log's head, to be held outside the database.

A checkpoint is a small JSON document ``{format, seq, entry_hash, time, key_fingerprint,
public_key, signature}`` signed with Ed25519 (key derived from the log anchor key with HKDF,
``KeyRing.signing_seed``). Anyone can check the signature with the public key in the file;
``verify_checkpoint`` checks it against the key ring's own public key (so a checkpoint signed
by someone else is rejected) and then checks that the log still holds that entry with that
hash, with an intact chain up to it. Entries cut off the end of the log, or a whole log
rewritten from scratch, are caught this way even by someone who knows the log key.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy.orm import Session

from privacy.accesslog import AccessLogError, ChainBreak, verify_chain
from privacy.keyring import KeyRing
from privacy.orm import utcnow

FORMAT = "yg-access-log-checkpoint/1"
SIGNED_FIELDS = ("format", "seq", "entry_hash", "time", "key_fingerprint", "public_key")


def _signing_key(ring: KeyRing) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(ring.signing_seed())


def public_key_bytes(ring: KeyRing) -> bytes:
    return _signing_key(ring).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_fingerprint(ring: KeyRing) -> str:
    return hashlib.sha256(public_key_bytes(ring)).hexdigest()[:32]


def _message(doc: dict) -> bytes:
    body = {name: doc.get(name) for name in SIGNED_FIELDS}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def sign(ring: KeyRing, doc: dict) -> dict:
    """``doc`` with an Ed25519 signature over its signed fields, by ``ring``'s log key."""
    signature = _signing_key(ring).sign(_message(doc))
    return {**doc, "signature": base64.b64encode(signature).decode()}


def make_checkpoint(session: Session, ring: KeyRing) -> dict:
    """Sign the current head, after checking the whole chain (a broken log is not signed)."""
    report = verify_chain(session, ring)
    if not report.ok:
        raise AccessLogError(f"refusing to checkpoint a broken log: {report.describe()}")
    doc = {
        "format": FORMAT,
        "seq": report.last_seq,
        "entry_hash": report.last_hash,
        "time": utcnow().isoformat(timespec="seconds"),
        "key_fingerprint": key_fingerprint(ring),
        "public_key": base64.b64encode(public_key_bytes(ring)).decode(),
    }
    return sign(ring, doc)


class CheckpointProblem(StrEnum):
    """Why a checkpoint was rejected (``CheckpointReport.problem`` says it in English)."""

    NOT_A_CHECKPOINT = "not_a_checkpoint"  # not JSON of this format
    OTHER_KEY = "other_key"  # signed by a key that is not this log's
    BAD_SIGNATURE = "bad_signature"  # the file was altered after signing
    CHAIN = "chain"  # the chain up to the checkpoint is broken (see ``chain``)
    LOG_ENDS = "log_ends"  # the log ends before the checkpoint's entry
    HASH_CHANGED = "hash_changed"  # the checkpoint's entry has another hash now


@dataclass
class CheckpointReport:
    ok: bool
    seq: int | None
    problem: str | None = None
    first_bad_seq: int | None = None
    kind: CheckpointProblem | None = None
    chain: ChainBreak | None = None  # with CHAIN: what is wrong with the chain
    # The other sequence number of the verdict: the log's last entry (LOG_ENDS), or the
    # chain's (CHAIN, see ``ChainReport.other_seq``).
    other_seq: int | None = None

    def describe(self) -> str:
        if self.ok:
            return f"checkpoint at seq {self.seq} matches the log"
        where = f" (first bad seq {self.first_bad_seq})" if self.first_bad_seq else ""
        return f"checkpoint REJECTED: {self.problem}{where}"


def verify_checkpoint(session: Session, ring: KeyRing, doc: dict) -> CheckpointReport:
    P = CheckpointProblem
    seq = doc.get("seq") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(seq, int):
        return CheckpointReport(
            False, None, "not an access-log checkpoint", kind=P.NOT_A_CHECKPOINT
        )
    if doc.get("key_fingerprint") != key_fingerprint(ring):
        return CheckpointReport(
            False, seq, "signed with a key that is not this log's key", kind=P.OTHER_KEY
        )
    try:
        signature = base64.b64decode(doc.get("signature") or "", validate=True)
        _signing_key(ring).public_key().verify(signature, _message(doc))
    except (InvalidSignature, ValueError):
        return CheckpointReport(
            False, seq, "signature does not verify: the file was altered", kind=P.BAD_SIGNATURE
        )
    chain = verify_chain(session, ring, upto=seq)
    if not chain.ok:
        return CheckpointReport(
            False,
            seq,
            chain.problem,
            chain.first_bad_seq,
            kind=P.CHAIN,
            chain=chain.kind,
            other_seq=chain.other_seq,
        )
    if chain.last_seq < seq:
        return CheckpointReport(
            False,
            seq,
            f"the log ends at seq {chain.last_seq}",
            chain.last_seq + 1,
            kind=P.LOG_ENDS,
            other_seq=chain.last_seq,
        )
    if chain.last_hash != doc.get("entry_hash"):
        return CheckpointReport(
            False, seq, "the entry at this seq has another hash now", seq, kind=P.HASH_CHANGED
        )
    return CheckpointReport(True, seq)
