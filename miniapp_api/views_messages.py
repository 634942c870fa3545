"""The in-app inbox, notification settings, and following an order."""

from __future__ import annotations

from flask import current_app, g, jsonify, request

from hotline.schemas import json_body
from hotline.services.citizen import wechat as citizen_wechat
from hotline.services.notifications import follows, inbox, preferences
from hotline.web.auth import citizen_required
from miniapp_api import bp
from miniapp_api import schemas as s
from miniapp_api import schemas_messages as m
from miniapp_api.limits import limit
from miniapp_api.openapi import doc

MESSAGES = "消息"


def _preferences_body(prefs: preferences.Preferences) -> dict:
    return {
        "wechat": prefs.wechat,
        "sms": prefs.sms,
        "kinds": prefs.kinds,
        "labels": m.labels(),
        "wechat_bound": citizen_wechat.binding_of(g.citizen.phone_bidx) is not None,
        "quiet_hours": list(current_app.config["NOTIFY_QUIET_HOURS"]),
    }


@bp.get("/me/messages")
@doc(
    "我的消息",
    tag=MESSAGES,
    query=m.InboxQueryIn,
    out=m.InboxPageOut,
    auth=True,
    errors={422: "page、per_page 超出范围，unread 不是 true/false，或有不支持的参数"},
    description="工单进度通知，新的在前，附未读数。无论是否已通过微信或短信推送，"
    "每条通知都在这里。",
)
@limit("inbox_client")
@limit("inbox_phone")
@citizen_required
def my_messages():
    data = s.load(m.InboxQueryIn, request.args.to_dict())
    page = inbox.messages(g.citizen.phone_bidx, data["page"], data["per_page"], data["unread"])
    return jsonify(s.dump(m.InboxPageOut, page))


@bp.post("/me/messages/read")
@doc(
    "标记消息已读",
    tag=MESSAGES,
    body=m.InboxReadIn,
    out=m.InboxReadOut,
    auth=True,
    errors={422: "既没有 ids 也没有 all: true，ids 为空、超过 100 个或不是正整数"},
    description="给出消息编号 ids，或 all 为 true 标记全部；他人的消息编号被忽略。",
)
@limit("inbox_client")
@limit("inbox_phone")
@citizen_required
def read_messages():
    data = s.load(m.InboxReadIn, json_body())
    ids = None if data.get("all") else data["ids"]
    marked, unread = inbox.mark_read(g.citizen.phone_bidx, ids)
    return jsonify(s.dump(m.InboxReadOut, {"marked": marked, "unread": unread}))


@bp.get("/me/preferences")
@doc("消息设置", tag=MESSAGES, out=m.NotifyPreferencesOut, auth=True)
@limit("inbox_client")
@limit("inbox_phone")
@citizen_required
def get_preferences():
    return jsonify(
        s.dump(m.NotifyPreferencesOut, _preferences_body(preferences.get(g.citizen.phone_bidx)))
    )


@bp.put("/me/preferences")
@doc(
    "修改消息设置",
    tag=MESSAGES,
    body=m.NotifyPreferencesIn,
    out=m.NotifyPreferencesOut,
    auth=True,
    errors={422: "wechat、sms 不是 true/false，kinds 含没有的消息类型，或有不支持的字段"},
    description="按渠道（微信、短信）和消息类型开关推送；未给出的项保持不变。"
    "站内消息始终保留。短信在晚 22 点至早 7 点（北京时间）不发送，早 7 点补发，"
    "2 小时紧急工单除外。",
)
@limit("settings_client")
@limit("settings_phone")
@citizen_required
def put_preferences():
    data = s.load(m.NotifyPreferencesIn, json_body())
    prefs = preferences.save(
        g.citizen.phone_bidx,
        wechat=data.get("wechat"),
        sms=data.get("sms"),
        kinds=data.get("kinds"),
    )
    return jsonify(s.dump(m.NotifyPreferencesOut, _preferences_body(prefs)))


@bp.delete("/orders/<order_no>/follow")
@doc(
    "取消关注工单",
    tag="我的工单",
    status=204,
    auth=True,
    errors={
        404: "工单不存在，或您没有关注它（order_not_found，两种情况答复相同）",
        409: "这是您本人提交的工单（own_order），不能取消关注；可在消息设置中关闭推送",
    },
    description="您的重复诉求并入他人此前的工单后，您会自动关注该工单（出现在我的工单中，"
    "并收到其进度通知）。取消后不再显示、不再通知。本人提交的工单不能取消关注（409）。",
)
@limit("settings_client")
@limit("settings_phone")
@citizen_required
def unfollow(order_no: str):
    follows.unfollow(g.citizen.phone_bidx, order_no)
    return "", 204
