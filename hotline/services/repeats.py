"""Detecting repeat requests 重复件.

Each order keeps a keyed 64-bit SimHash of its normalised content, so that a requester's
earlier orders can be pre-filtered without decrypting them; the key makes the fingerprint
useless to anyone holding only the database. SimHash is noisy on texts of a few dozen
characters, so the final word is a similarity ratio of the normalised texts. The intake
and the synthetic generator use this one implementation.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from difflib import SequenceMatcher

_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise_content(text: str) -> str:
    return _DROP.sub("", unicodedata.normalize("NFKC", text).lower())


LANE = 16
LANES = sum(1 << (LANE * i) for i in range(64))  # 1 at the bottom of every lane
TOP = 1 << (LANE - 1)
_AS_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_AS_LANES = str.maketrans({"0": "0000", "1": "0001"})  # a bit → a 16-bit lane, in hex
CACHE_LIMIT = 500_000


class Fingerprinter:
    """Keyed SimHash over character bigrams, as a signed 64-bit integer (fits BIGINT).

    Bit i is set when more of the text's bigrams have bit i set in their keyed hash than
    not. Counting is done for all 64 bits at once: each bigram's hash is "spread" so that
    bit i sits at the bottom of its own 16-bit lane of one big integer, and the spread
    integers of all bigrams are added up (cached per bigram: the same bigrams recur in
    every request). Texts with 2**15 bigrams or more are counted in chunks, so no lane
    overflows.
    """

    def __init__(self, key: bytes):
        self.key = key[:64]
        self.cache: dict[str, int] = {}

    def spread(self, gram: str) -> int:
        value = self.cache.get(gram)
        if value is None:
            if len(self.cache) >= CACHE_LIMIT:
                self.cache.clear()
            digest = hashlib.blake2b(gram.encode(), key=self.key, digest_size=8).digest()
            bits = format(int.from_bytes(digest, "big"), "064b")
            value = self.cache[gram] = int(bits.translate(_AS_LANES), 16)
        return value

    def _counts(self, grams: list[str]) -> list[int]:
        """How many bigrams set each bit, bit 0 first (for very long texts)."""
        counts = [0] * 64
        for start in range(0, len(grams), TOP - 1):
            total = sum(map(self.spread, grams[start : start + TOP - 1]))
            for bit in range(64):
                counts[bit] += (total >> (LANE * bit)) & (TOP * 2 - 1)
        return counts

    def simhash(self, text: str) -> int:
        return self.simhash_normalised(normalise_content(text))

    def simhash_normalised(self, norm: str) -> int:
        """``simhash`` of a text already through ``normalise_content`` (the bulk generator
        normalises its own texts more cheaply, knowing every character it writes)."""
        grams = [norm[i : i + 2] for i in range(max(1, len(norm) - 1))] if norm else [""]
        threshold = len(grams) // 2 + 1  # more set than clear
        if threshold < TOP:
            cache = self.cache
            try:
                total = sum([cache[gram] for gram in grams])
            except KeyError:  # a bigram not seen yet
                total = sum(map(self.spread, grams))
            # Adding TOP - threshold to every lane raises its top bit exactly when the
            # count reached the threshold.
            top_bits = ((total + (TOP - threshold) * LANES) >> (LANE - 1)) & LANES
            bits = top_bits.to_bytes(2 * 64, "little")[::2]  # one 0/1 byte per position
            value = int(bits[::-1].translate(_AS_DIGITS), 2)
        else:
            counts = self._counts(grams)
            value = sum(1 << bit for bit in range(64) if counts[bit] >= threshold)
        return value - (1 << 64) if value >= 1 << 63 else value


_fingerprinters: dict[bytes, Fingerprinter] = {}


def simhash(text: str, key: bytes) -> int:
    """The keyed SimHash of ``text`` (one ``Fingerprinter`` per key, kept per process: it
    only remembers bigram hashes, which never change for a key)."""
    fp = _fingerprinters.get(key)
    if fp is None:
        fp = _fingerprinters[key] = Fingerprinter(key)
    return fp.simhash(text)


def distance(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


_NUMBERS = re.compile(r"\d+")


def same_numbers(a: str, b: str) -> bool:
    """Whether two requests name the same numbers (楼号, 门牌号, 车牌, 日期 …) in the same
    order: "3号楼" and "5号楼" are two lifts however alike the rest of the words."""
    return _NUMBERS.findall(normalise_content(a)) == _NUMBERS.findall(normalise_content(b))


def similarity(a: str, b: str) -> float:
    """0..1 similarity of two requests after normalisation (punctuation, width, case)."""
    return SequenceMatcher(None, normalise_content(a), normalise_content(b), autojunk=False).ratio()
