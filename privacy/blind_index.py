"""Keyed blind indexes for exact-match lookups on encrypted values.

HMAC-SHA256 of the normalised value under a purpose key derived (HKDF) from the ring's
index anchor key. Never the plaintext, never a deterministic encryption.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from collections.abc import Callable

from privacy.keyring import KeyRing

_NON_DIGITS = re.compile(r"\D")


class NormalisationError(ValueError):
    pass


def normalise_phone(value: str) -> str:
    """Digits only, full-width digits folded, +86 / 0086 country code stripped."""
    digits = _NON_DIGITS.sub("", unicodedata.normalize("NFKC", value or ""))
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not 7 <= len(digits) <= 12:
        raise NormalisationError("not a phone number")
    return digits


def normalise_id_number(value: str) -> str:
    """Full-width folded, spaces dropped, trailing x uppercased."""
    text = unicodedata.normalize("NFKC", value or "").replace(" ", "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]|\d{15}", text):
        raise NormalisationError("not an ID number")
    return text


NORMALISERS = {"phone": normalise_phone, "id_number": normalise_id_number}


def blind_index(ring: KeyRing, purpose: str, value: str) -> str:
    """Hex HMAC-SHA256 of the normalised value under the purpose's key."""
    return indexer(ring, purpose)(value)


def indexer(ring: KeyRing, purpose: str) -> Callable[[str], str]:
    """``blind_index`` for one purpose with its key derived once: ``indexer(ring,
    purpose)(value)``, for bulk writers that index millions of values."""
    key = ring.index_key(purpose)
    normalise = NORMALISERS.get(purpose, str)

    def index(value: str) -> str:
        return hmac.digest(key, normalise(value).encode(), "sha256").hex()

    return index


def matches(ring: KeyRing, purpose: str, value: str, stored: str) -> bool:
    """Constant-time check of a value against a stored index (query codes)."""
    try:
        candidate = blind_index(ring, purpose, value)
    except NormalisationError:
        return False
    return hmac.compare_digest(candidate, stored)
