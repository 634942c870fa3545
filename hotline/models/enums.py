"""Kinds, channels, roles and states of the domain (DESIGN §2). Values are stored as text."""

from __future__ import annotations

import enum
from enum import StrEnum

from sqlalchemy import Enum

from privacy.roles import ROLE_LABELS, Role  # noqa: F401  (staff roles: the role matrix's)


def enum_column(cls: type[enum.Enum]) -> Enum:
    return Enum(
        cls,
        native_enum=False,
        length=24,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class OrderKind(StrEnum):
    CONSULTATION = "consultation"  # 咨询
    SUGGESTION = "suggestion"  # 建议
    TIP_OFF = "tip_off"  # 举报
    COMPLAINT = "complaint"  # 投诉
    HELP = "help"  # 求助
    PRAISE = "praise"  # 表扬


KIND_LABELS = {
    OrderKind.CONSULTATION: "咨询",
    OrderKind.SUGGESTION: "建议",
    OrderKind.TIP_OFF: "举报",
    OrderKind.COMPLAINT: "投诉",
    OrderKind.HELP: "求助",
    OrderKind.PRAISE: "表扬",
}


class Channel(StrEnum):
    PHONE = "phone"  # 电话
    WEB = "web"  # 网站
    WECHAT = "wechat"  # 微信
    MINIAPP = "miniapp"  # 小程序
    WEIBO = "weibo"  # 微博
    APP = "app"  # APP
    NATIONAL = "national"  # 国家政务服务平台


CHANNEL_LABELS = {
    Channel.PHONE: "电话",
    Channel.WEB: "网站",
    Channel.WECHAT: "微信",
    Channel.MINIAPP: "小程序",
    Channel.WEIBO: "微博",
    Channel.APP: "APP",
    Channel.NATIONAL: "国家政务服务平台",
}


class UnitKind(StrEnum):
    STREET = "street"  # 街道乡镇
    DISTRICT_DEPT = "district_dept"  # 区级部门
    CITY_DEPT = "city_dept"  # 市级部门
    SOE = "soe"  # 国有企业
    PLATFORM = "platform"  # 平台企业及其他


UNIT_KIND_LABELS = {
    UnitKind.STREET: "街道乡镇",
    UnitKind.DISTRICT_DEPT: "区级部门",
    UnitKind.CITY_DEPT: "市级部门",
    UnitKind.SOE: "国有企业",
    UnitKind.PLATFORM: "平台企业及其他",
}


class TimeLimit(StrEnum):
    URGENT = "urgent"  # 2 h, threat to life or property
    UTILITY = "utility"  # 24 h, water, power, gas, heating
    NORMAL = "normal"  # 7 d
    COMPLEX = "complex"  # 15 d


TIME_LIMIT_LABELS = {
    TimeLimit.URGENT: "紧急（2小时）",
    TimeLimit.UTILITY: "水电气热（24小时）",
    TimeLimit.NORMAL: "一般（7天）",
    TimeLimit.COMPLEX: "复杂（15天）",
}


class OrderStatus(StrEnum):
    RECEIVED = "received"  # 已受理, waiting for an answer or a dispatch
    ANSWERED = "answered"  # 直接解答
    DISPATCHED = "dispatched"  # 已派单, waiting for the unit to accept
    DISPUTED = "disputed"  # 派单异议, back with the dispatcher
    RETURNED = "returned"  # 已退单, waiting for re-dispatch
    ACCEPTED = "accepted"  # 已签收 / 办理中
    COMPLETED = "completed"  # 已办结, waiting for follow-up and rating
    CLOSED = "closed"  # 已归档
    WITHDRAWN = "withdrawn"  # 已撤回 by the requester before any unit accepted it


STATUS_LABELS = {
    OrderStatus.RECEIVED: "已受理",
    OrderStatus.ANSWERED: "已直接解答",
    OrderStatus.DISPATCHED: "已派单",
    OrderStatus.DISPUTED: "派单异议处理中",
    OrderStatus.RETURNED: "已退回，待重新派单",
    OrderStatus.ACCEPTED: "办理中",
    OrderStatus.COMPLETED: "已办结",
    OrderStatus.CLOSED: "已归档",
    OrderStatus.WITHDRAWN: "已撤回",
}


class EventType(StrEnum):
    RECEIVED = "received"  # 受理
    MERGED_REPEAT = "merged_repeat"  # 重复件合并
    ANSWERED = "answered"  # 直接解答
    DISPATCHED = "dispatched"  # 派单
    ACCEPTED = "accepted"  # 签收
    CONTACTED = "contacted"  # 联系诉求人
    PROGRESS = "progress"  # 办理
    RETURNED = "returned"  # 退单
    DISPUTED = "disputed"  # 派单异议
    DISPUTE_REJECTED = "dispute_rejected"  # 异议不成立
    EXTENSION_REQUESTED = "extension_requested"  # 申请延期
    EXTENSION_APPROVED = "extension_approved"  # 延期批准
    EXTENSION_REJECTED = "extension_rejected"  # 延期驳回
    WHISTLE = "whistle"  # 吹哨报到
    ESCALATED = "escalated"  # 提级统筹
    COMPLETED = "completed"  # 办结
    FOLLOWED_UP = "followed_up"  # 回访
    RATED = "rated"  # 评价
    REOPENED = "reopened"  # 重启办理
    CLOSED = "closed"  # 归档
    URGED = "urged"  # 催办 by the requester
    INFO_ADDED = "info_added"  # 补充说明 (text and/or photos) by the requester
    WITHDRAWN = "withdrawn"  # 撤回 by the requester


EVENT_LABELS = {
    EventType.RECEIVED: "受理",
    EventType.MERGED_REPEAT: "重复诉求合并",
    EventType.ANSWERED: "直接解答",
    EventType.DISPATCHED: "派单",
    EventType.ACCEPTED: "签收",
    EventType.CONTACTED: "联系诉求人",
    EventType.PROGRESS: "办理进展",
    EventType.RETURNED: "退单",
    EventType.DISPUTED: "派单异议",
    EventType.DISPUTE_REJECTED: "派单异议不成立",
    EventType.EXTENSION_REQUESTED: "申请延期",
    EventType.EXTENSION_APPROVED: "延期已批准",
    EventType.EXTENSION_REJECTED: "延期未批准",
    EventType.WHISTLE: "吹哨报到",
    EventType.ESCALATED: "提级统筹",
    EventType.COMPLETED: "办结",
    EventType.FOLLOWED_UP: "回访",
    EventType.RATED: "评价",
    EventType.REOPENED: "重启办理",
    EventType.CLOSED: "归档",
    EventType.URGED: "催办",
    EventType.INFO_ADDED: "补充说明",
    EventType.WITHDRAWN: "撤回",
}


class AssignmentRole(StrEnum):
    LEAD = "lead"  # the unit answerable for the order
    JOINT = "joint"  # 双派: the district, dispatched together with the street
    CO = "co"  # 吹哨: a department summoned as co-handler
    COORDINATOR = "coordinator"  # 提级统筹: the higher level that coordinates


class AssignmentState(StrEnum):
    PENDING = "pending"  # dispatched, not yet accepted
    ACCEPTED = "accepted"
    RETURNED = "returned"
    DISPUTED = "disputed"
    DONE = "done"
    WITHDRAWN = "withdrawn"  # the requester withdrew the order before it was accepted


ASSIGNMENT_STATE_LABELS = {
    AssignmentState.PENDING: "待签收",
    AssignmentState.ACCEPTED: "已签收",
    AssignmentState.RETURNED: "已退回",
    AssignmentState.DISPUTED: "异议中",
    AssignmentState.DONE: "已办结",
    AssignmentState.WITHDRAWN: "已撤回",
}


class Resolution(StrEnum):
    YES = "yes"  # 已解决
    PARTLY = "partly"  # 部分解决
    NO = "no"  # 未解决


RESOLUTION_LABELS = {
    Resolution.YES: "已解决",
    Resolution.PARTLY: "部分解决",
    Resolution.NO: "未解决",
}


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASICALLY = "basically"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意


SATISFACTION_LABELS = {
    Satisfaction.SATISFIED: "满意",
    Satisfaction.BASICALLY: "基本满意",
    Satisfaction.DISSATISFIED: "不满意",
}


class RatingSource(StrEnum):
    FOLLOW_UP = "follow_up"  # 回访 by the hotline
    CITIZEN = "citizen"  # 评价 by the requester


class AttachmentSource(StrEnum):
    CITIZEN = "citizen"  # the requester's photo (with a request or added later)
    STAFF = "staff"  # a handler's "after" photo on a progress or completion step


class AttachmentState(StrEnum):
    STAGED = "staged"  # uploaded, not yet part of an order's step (removed when unused)
    ATTACHED = "attached"  # on an order, with the event that brought it
    ERASED = "erased"  # its pixels erased (retention or an approved erasure request)


class ErasureStatus(StrEnum):
    PENDING = "pending"  # 待处理
    APPROVED = "approved"  # 已删除
    REFUSED = "refused"  # 不予删除 (a legal retention applies)


ERASURE_STATUS_LABELS = {
    ErasureStatus.PENDING: "待处理",
    ErasureStatus.APPROVED: "已同意并删除",
    ErasureStatus.REFUSED: "不予删除",
}
