"""Random draws used throughout the planner."""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Sequence


class Weighted:
    """A weighted choice with its cumulative weights computed once."""

    __slots__ = ("items", "cumulative", "total")

    def __init__(self, items: Sequence, weights: Sequence[float]):
        self.items = list(items)
        self.cumulative, total = [], 0.0
        for weight in weights:
            total += weight
            self.cumulative.append(total)
        self.total = total

    def __call__(self, rng: random.Random):
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.total)]


def pick(rng: random.Random, items: Sequence):
    """``rng.choice`` without its overhead: planning calls it a few dozen times an order."""
    return items[int(rng.random() * len(items))]


def between(rng: random.Random, lo: int, hi: int) -> int:
    """``rng.randrange(lo, hi)`` without its overhead."""
    return lo + int(rng.random() * (hi - lo))


def lognormal(rng: random.Random, median: float, sigma: float, lo: float, hi: float) -> float:
    return min(hi, max(lo, math.exp(rng.gauss(math.log(median), sigma))))
