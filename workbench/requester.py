"""The requester block of the staff order view (filled in with the privacy role matrix)."""

from __future__ import annotations


def requester_view(order, actor, user) -> dict:
    return {}
