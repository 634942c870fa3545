"""The personal fields: the one declaration of which columns hold personal data, how each
is masked, what it is called, and how the access log hashes it.

Every column of type ``privacy.fields.Encrypted`` is listed here and nothing else is (a test
compares this list with the tables). The role matrix, the staff and citizen views, the
privacy office console, retention, key rotation and the synthetic data all read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from privacy.masking import mask_address, mask_id_number, mask_name, mask_phone
from privacy.redaction import redact_text


class Kind(StrEnum):
    IDENTITY = "identity"  # who the requester is; hidden from units on a confidential order
    TEXT = "text"  # free text that may mention anyone; shown redacted
    SECRET = "secret"  # noqa: S105  (a kind of field: a credential, never shown)
    MEDIA = "media"  # a photo: shown whole to whoever may see it, never masked


def _secret(value: str) -> str:
    return "******"


def _photo(value: bytes) -> None:
    """A photo has no masked form: it is shown whole (to whom may see it) or not at all."""
    return None


MASKS: dict[str, Callable[[str], str | None]] = {
    "name": mask_name,
    "phone": mask_phone,
    "id_number": mask_id_number,
    "address": mask_address,
    "text": redact_text,
    "secret": _secret,
    "photo": _photo,
}


@dataclass(frozen=True)
class PersonalField:
    table: str
    column: str
    label: str  # Chinese, as officers and citizens read it
    kind: Kind
    mask_as: str  # a key of MASKS
    api_name: str | None = None  # the name staff ask for in ``?reveal=``

    @property
    def qualified(self) -> str:
        return f"{self.table}.{self.column}"

    @property
    def value_kind(self) -> str:
        """How the access log normalises a value before hashing it (phone, ID or text)."""
        return self.mask_as if self.mask_as in ("phone", "id_number", "photo") else "text"

    def mask(self, value: str | None) -> str | None:
        return None if value is None else MASKS[self.mask_as](value)


_F, ID, TX, SC = PersonalField, Kind.IDENTITY, Kind.TEXT, Kind.SECRET
FIELDS: tuple[PersonalField, ...] = (
    _F("orders", "requester_name", "姓名", ID, "name", "name"),
    _F("orders", "requester_phone", "电话", ID, "phone", "phone"),
    _F("orders", "requester_id_number", "身份证号", ID, "id_number", "id_number"),
    _F("orders", "requester_address", "地址", ID, "address", "address"),
    _F("orders", "content", "诉求内容", TX, "text", "content"),
    _F("order_events", "public_note", "办理说明", TX, "text"),
    _F("order_events", "reason", "理由", TX, "text"),
    _F("order_events", "internal_note", "内部备注", TX, "text"),
    _F("ratings", "comment", "评价内容", TX, "text"),
    _F("citizen_profiles", "phone", "登录手机号", ID, "phone"),
    _F("wechat_bindings", "openid", "微信OpenID", SC, "secret"),
    _F("wechat_tickets", "openid", "微信OpenID", SC, "secret"),
    _F("order_follows", "phone", "关注人手机号", ID, "phone"),
    _F("inbox_messages", "body", "消息内容", TX, "text"),
    _F("console_totp", "secret", "动态验证码密钥", SC, "secret"),
    # Photos of a request or of a handler's step; each variant in its own column.
    _F("attachments", "full_image", "照片", Kind.MEDIA, "photo"),
    _F("attachments", "thumb_image", "照片缩略图", Kind.MEDIA, "photo"),
    _F("erasure_requests", "decision_note", "删除申请答复", TX, "text"),
)
_BY_QUALIFIED = {f.qualified: f for f in FIELDS}


def field(table: str, column: str) -> PersonalField:
    return _BY_QUALIFIED[f"{table}.{column}"]


def find(qualified: str) -> PersonalField | None:
    return _BY_QUALIFIED.get(qualified)


def of_table(table: str) -> tuple[PersonalField, ...]:
    return tuple(f for f in FIELDS if f.table == table)


def columns(table: str, kind: Kind | None = None) -> tuple[str, ...]:
    return tuple(f.column for f in of_table(table) if kind is None or f.kind == kind)


def label(qualified: str) -> str:
    """``orders.requester_phone`` → 电话 (unknown names are returned as they are)."""
    f = find(qualified)
    return f.label if f else qualified


def mask(table: str, column: str, value: str | None) -> str | None:
    return field(table, column).mask(value)


# The requester's fields on an order, the ones staff may ask to see by name.
ORDER_FIELDS = of_table("orders")
IDENTITY_COLUMNS = columns("orders", Kind.IDENTITY)
REVEALABLE = {f.api_name: f.column for f in ORDER_FIELDS if f.api_name}


# Free text on an order's events: public notes (replies, progress), reasons, internal notes.
NOTE_COLUMNS = columns("order_events")
