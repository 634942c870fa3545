"""Detecting repeat requests 重复件 without decrypting anything.

Each order keeps a keyed 64-bit SimHash of its normalised content. Two requests from the
same phone (blind index), at the same place, within the merge window, whose SimHashes
differ in at most ``MERGE_MAX_DISTANCE`` bits are the same request told twice. The key
makes the fingerprint useless to anyone holding only the database.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

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
