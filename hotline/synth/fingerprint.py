"""The content SimHash of ``hotline.services.repeats``, computed about twenty times faster.

``repeats.simhash`` walks 64 bits for every character bigram in Python; for a million
orders that alone would take minutes. This version returns the identical value. Each
bigram's keyed hash is cached "spread out": bit i moved into its own 16-bit lane of one
big integer. Adding the spread integers of all bigrams counts, in every lane at once,
how many bigrams set that bit. ``repeats.simhash`` sets bit i when its weight (sets minus
clears) is positive, that is when the count c satisfies c >= n // 2 + 1; adding
``2**15 - threshold`` to every lane raises each lane's top bit exactly then.
"""

from __future__ import annotations

import hashlib

from hotline.services.repeats import normalise_content, simhash

LANE = 16
LANES = sum(1 << (LANE * i) for i in range(64))  # 1 at the bottom of every lane
TOP = 1 << (LANE - 1)
AS_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
AS_LANES = str.maketrans({"0": "0000", "1": "0001"})  # a bit → a 16-bit lane, in hex
CACHE_LIMIT = 500_000


class Fingerprinter:
    def __init__(self, key: bytes):
        self.key = key
        self.cache: dict[str, int] = {}

    def spread(self, gram: str) -> int:
        value = self.cache.get(gram)
        if value is None:
            if len(self.cache) >= CACHE_LIMIT:
                self.cache.clear()
            digest = hashlib.blake2b(gram.encode(), key=self.key[:64], digest_size=8).digest()
            bits = format(int.from_bytes(digest, "big"), "064b")
            value = self.cache[gram] = int(bits.translate(AS_LANES), 16)
        return value

    def simhash(self, text: str) -> int:
        norm = normalise_content(text)
        grams = [norm[i : i + 2] for i in range(max(1, len(norm) - 1))] if norm else [""]
        threshold = len(grams) // 2 + 1
        if threshold > TOP:  # a lane could overflow: leave such texts to the original
            return simhash(text, self.key)
        cache = self.cache
        try:
            counts = sum([cache[gram] for gram in grams])
        except KeyError:  # a bigram not seen yet
            counts = sum(map(self.spread, grams))
        top_bits = ((counts + (TOP - threshold) * LANES) >> (LANE - 1)) & LANES
        bits = top_bits.to_bytes(2 * 64, "little")[::2]  # one 0/1 byte per position
        value = int(bits[::-1].translate(AS_DIGITS), 2)
        return value - (1 << 64) if value >= 1 << 63 else value
