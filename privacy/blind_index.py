"""Keyed blind indexes for exact-match lookups on encrypted values.

HMAC-SHA256 of the normalised value under a purpose key derived (HKDF) from the ring's
index anchor key. Never the plaintext, never a deterministic encryption.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

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
    normalised = NORMALISERS.get(purpose, str)(value)
    return hmac.new(ring.index_key(purpose), normalised.encode(), hashlib.sha256).hexdigest()


def matches(ring: KeyRing, purpose: str, value: str, stored: str) -> bool:
    """Constant-time check of a value against a stored index (query codes)."""
    try:
        candidate = blind_index(ring, purpose, value)
    except NormalisationError:
        return False
    return hmac.compare_digest(candidate, stored)
