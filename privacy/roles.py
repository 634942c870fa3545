"""Who acts: the staff roles, used by the role matrix and stored in the access log.

Defined here, in the bottom layer, because the role matrix (``privacy.matrix``) decides by
role; the domain re-exports the same enum (``hotline.models.enums.Role``).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    AGENT = "agent"  # 话务员: takes calls, records intake, answers directly, follows up
    DISPATCHER = "dispatcher"  # 派单员
    HANDLER = "handler"  # 承办人员 of a handling unit
    SUPERVISOR = "supervisor"  # 督办人员
    PRIVACY_OFFICER = "privacy_officer"  # 隐私保护专员
    PUBLISHER = "publisher"  # 发布人员 of the public reports
    ADMIN = "admin"


ROLE_LABELS = {
    Role.AGENT: "话务员",
    Role.DISPATCHER: "派单员",
    Role.HANDLER: "承办人员",
    Role.SUPERVISOR: "督办人员",
    Role.PRIVACY_OFFICER: "隐私保护专员",
    Role.PUBLISHER: "发布人员",
    Role.ADMIN: "管理员",
}
# The access log also records reads by the system's own tasks (retention, demo data).
SYSTEM_ROLE = "system"
SYSTEM_LABEL = "系统任务"
# ... and the requester reading their own data (the download of "my data").
CITIZEN_ROLE = "citizen"
CITIZEN_LABEL = "诉求人本人"


def role_label(role: str | None) -> str:
    if role == SYSTEM_ROLE:
        return SYSTEM_LABEL
    if role == CITIZEN_ROLE:
        return CITIZEN_LABEL
    try:
        return ROLE_LABELS[Role(role)]
    except ValueError:
        return role or ""
