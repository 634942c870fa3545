"""A citizen's notification settings: which push channels, and which kinds of news.

The in-app inbox always receives everything (it is where the citizen looks anyway); the
settings decide what is also pushed by WeChat or SMS. Without a saved choice every
channel and every kind is on: a citizen who gave a phone number to the hotline expects to
hear how their request goes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hotline.extensions import db
from hotline.models.notifications import (
    CITIZEN_KINDS,
    NotificationKind,
    NotificationPreference,
)
from privacy.orm import utcnow


@dataclass(frozen=True)
class Preferences:
    wechat: bool = True
    sms: bool = True
    muted: frozenset[NotificationKind] = field(default_factory=frozenset)

    def pushes(self, kind: NotificationKind) -> bool:
        return kind not in self.muted

    @property
    def kinds(self) -> dict[str, bool]:
        return {kind.value: kind not in self.muted for kind in CITIZEN_KINDS}


def _of(row: NotificationPreference | None) -> Preferences:
    if row is None:
        return Preferences()
    muted = frozenset(NotificationKind(k) for k in row.muted_kinds or () if k in _KIND_VALUES)
    return Preferences(row.wechat, row.sms, muted)


_KIND_VALUES = {k.value for k in CITIZEN_KINDS}


def get(phone_bidx: str) -> Preferences:
    return _of(db.session.get(NotificationPreference, phone_bidx))


def save(
    phone_bidx: str,
    *,
    wechat: bool | None = None,
    sms: bool | None = None,
    kinds: dict[NotificationKind, bool] | None = None,
) -> Preferences:
    """Change what is given; what is left out stays as it was."""
    row = db.session.get(NotificationPreference, phone_bidx)
    if row is None:
        row = NotificationPreference(phone_bidx=phone_bidx, wechat=True, sms=True, muted_kinds=[])
        db.session.add(row)
    if wechat is not None:
        row.wechat = wechat
    if sms is not None:
        row.sms = sms
    if kinds:
        muted = set(row.muted_kinds or ())
        for kind, on in kinds.items():
            (muted.discard if on else muted.add)(NotificationKind(kind).value)
        row.muted_kinds = sorted(muted)
    row.updated_at = utcnow()
    db.session.flush()
    return _of(row)
