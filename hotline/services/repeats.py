"""Detecting repeat requests 重复件.

Each order keeps a keyed 64-bit SimHash of its normalised content, so that a requester's
earlier orders can be pre-filtered without decrypting them; the key makes the fingerprint
useless to anyone holding only the database. SimHash is noisy on texts of a few dozen
characters, so the final word is a similarity ratio of the normalised texts.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from difflib import SequenceMatcher

_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise_content(text: str) -> str:
    return _DROP.sub("", unicodedata.normalize("NFKC", text).lower())


def simhash(text: str, key: bytes) -> int:
    """Keyed SimHash over character bigrams, as a signed 64-bit integer (fits BIGINT)."""
    norm = normalise_content(text)
    grams = [norm[i : i + 2] for i in range(max(1, len(norm) - 1))] if norm else [""]
    weights = [0] * 64
    for gram in grams:
        h = int.from_bytes(
            hashlib.blake2b(gram.encode(), key=key[:64], digest_size=8).digest(), "big"
        )
        for bit in range(64):
            weights[bit] += 1 if h >> bit & 1 else -1
    value = sum(1 << bit for bit in range(64) if weights[bit] > 0)
    return value - (1 << 64) if value >= 1 << 63 else value


def distance(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def similarity(a: str, b: str) -> float:
    """0..1 similarity of two requests after normalisation (punctuation, width, case)."""
    return SequenceMatcher(None, normalise_content(a), normalise_content(b), autojunk=False).ratio()
