"""Citizen API views: parse with a schema, call one service, dump with a schema.

Limits sit next to each view (``@limit(name)``: the suffix says the key: client address,
phone or order number); ``@doc`` is the view's entry in the OpenAPI document.
"""

from __future__ import annotations

from flask import current_app, g, jsonify, request

from hotline.schemas import json_body
from hotline.services.citizen import auth as citizen_auth
from hotline.services.citizen import orders as citizen_orders
from hotline.services.citizen import view as citizen_view
from hotline.services.notifications import follows
from hotline.web.auth import (
    citizen_required,
    citizen_required_revocation_in_query,
    revocation_read,
)
from miniapp_api import bp, detail_cache, sms
from miniapp_api import schemas as s
from miniapp_api.limits import limit
from miniapp_api.openapi import doc
from privacy.masking import mask_phone

RESEND_SECONDS = 60
AUTH, ORDERS = "登录", "我的工单"


def _body(schema_cls) -> dict:
    return s.load(schema_cls, json_body())


def _detail(order, status: int = 200):
    return jsonify(detail_cache.render(order)[0]), status


# -- login --------------------------------------------------------------------------------
@bp.post("/auth/sms-code")
@doc(
    "获取短信验证码",
    tag=AUTH,
    body=s.SmsCodeIn,
    out=s.SmsCodeOut,
    errors={
        400: "请求体不是有效的 JSON 或嵌套过深",
        422: "手机号不是 11 位中国大陆手机号（details.fields.phone）",
        503: "短信发送失败（sms_unavailable），请稍后再试",
    },
    description="6 位数字，5 分钟内有效，最多尝试 5 次；重新获取后旧验证码作废。"
    "开发模式下响应含 dev_code，生产环境从不返回。",
)
@limit("sms_client")
@limit("sms_phone")
def request_sms_code():
    data = _body(s.SmsCodeIn)
    issued = citizen_auth.request_code(data["phone"], sms.sender())
    out = {
        "sent": True,
        "expires_in": current_app.config["SMS_CODE_TTL_SECONDS"],
        "resend_after": RESEND_SECONDS,
    }
    if current_app.config["HOTLINE_ENV"] == "development":
        out["dev_code"] = issued.code
    return jsonify(s.dump(s.SmsCodeOut, out))


@bp.post("/auth/token")
@doc(
    "验证码登录",
    tag=AUTH,
    status=201,
    body=s.TokenIn,
    out=s.TokenOut,
    errors={
        400: "验证码错误或已过期（sms_code_wrong）；请求体不是有效的 JSON",
        403: "验证码错误次数过多，已锁定（sms_code_locked），请重新获取验证码",
        422: "手机号或验证码格式不正确（验证码为 6 位数字）",
    },
    description="验证成功返回带有效期的令牌，请在 Authorization: Bearer 头中携带。",
)
@limit("login_client")
@limit("login_phone")
def login():
    data = _body(s.TokenIn)
    profile = citizen_auth.verify_code(data["phone"], data["code"])
    token, session = citizen_auth.issue_token(profile.phone_bidx)
    out = {
        "token": token,
        "token_type": "Bearer",
        "expires_at": session.expires_at,
        "phone": mask_phone(data["phone"]),
    }
    return jsonify(s.dump(s.TokenOut, out)), 201


@bp.post("/auth/logout")
@doc("退出登录", tag=AUTH, status=204, auth=True, description="令牌立即作废。")
@limit("session_client")
@citizen_required
def logout():
    citizen_auth.revoke(g.citizen)
    return "", 204


@bp.get("/me")
@doc("当前登录信息", tag=AUTH, out=s.MeOut, auth=True)
@limit("session_client")
@citizen_required
def me():
    phone = citizen_auth.profile_phone(g.citizen.phone_bidx)
    return jsonify(
        s.dump(s.MeOut, {"phone": mask_phone(phone), "expires_at": g.citizen.expires_at})
    )


# -- my orders ----------------------------------------------------------------------------
@bp.get("/orders")
@doc(
    "我的工单",
    tag=ORDERS,
    query=s.MyOrdersIn,
    out=s.OrderPageOut,
    auth=True,
    errors={422: "status 不是有效的工单状态，或 page、per_page 超出范围"},
)
@limit("read_phone")
@citizen_required
def my_orders():
    args = request.args.to_dict()
    if "status" in request.args:
        args["status"] = request.args.getlist("status")
    data = s.load(s.MyOrdersIn, args)
    flt = citizen_orders.MyOrdersFilter(data["status"], data["page"], data["per_page"])
    rows, total = citizen_orders.my_orders(g.citizen.phone_bidx, flt)
    items = follows.mark_following(citizen_view.summaries(rows), g.citizen.phone_bidx)
    page = {"items": items, "page": flt.page, "per_page": flt.per_page, "total": total}
    return jsonify(s.dump(s.OrderPageOut, page))


@bp.get("/orders/<order_no>")
@doc(
    "工单详情（阳光办理）",
    tag=ORDERS,
    out=s.OrderDetailOut,
    auth=True,
    errors={404: "工单不存在，或不属于当前手机号（order_not_found，两种情况答复相同）"},
    description="办理时间线、承办单位与承办人、延期与退单、办理时限与剩余时间。"
    "个人信息一律脱敏；不属于本人的工单返回 404。",
)
@limit("read_phone")
@citizen_required_revocation_in_query
def order_detail(order_no: str):
    # One round trip: ownership (or following), the version, and whether the token was
    # revoked; the rendered view is reused while the version stays.
    citizen = g.citizen
    head = citizen_orders.own_order_head(citizen.phone_bidx, order_no, citizen.token_id)
    revocation_read(head.revoked)
    body = detail_cache.detail_body(head, citizen_orders.order_for_view)
    return jsonify(follows.follower_view(body) if head.following else body)


@bp.post("/orders/<order_no>/rating")
@doc(
    "评价工单",
    tag=ORDERS,
    status=201,
    body=s.RatingIn,
    out=s.OrderDetailOut,
    auth=True,
    errors={
        404: "工单不存在，或不属于当前手机号（order_not_found）",
        409: "工单尚未办结、本次办结已评价过（already_rated）、已超过评价期限"
        "（rating_window_closed）、已申请过重新办理（reopen_used），或您只是关注该工单"
        "（follower_cannot_rate）",
        422: "resolution、satisfaction 不是可选值，或评价内容超过 500 字",
    },
    description="每次办结可评价一次，须在办结后规定天数内（默认 7 天）。"
    "“未解决”且“不满意”时可申请重新办理，每个工单仅一次。评价内容公开前去除个人信息。",
)
@limit("rate_phone")
@limit("rate_order")
@citizen_required
def rate_order(order_no: str):
    data = _body(s.RatingIn)
    order = citizen_orders.rate(
        g.citizen.phone_bidx,
        order_no,
        resolution=data["resolution"],
        satisfaction=data["satisfaction"],
        comment=data.get("comment"),
        reopen=data["reopen"],
    )
    return _detail(order, 201)


@bp.post("/orders")
@doc(
    "提交诉求",
    tag=ORDERS,
    status=201,
    body=s.SubmitIn,
    out=s.SubmitOut,
    auth=True,
    errors={
        422: "必填项缺失、诉求内容不足 5 字或超过 1000 字、诉求类型不是可选值，"
        "或所选分类、区、街道乡镇、社区不存在（details.fields 逐项说明）",
    },
    description="新工单返回 201 与工单编号、查询码；与近期相同诉求重复时并入原工单，"
    "返回 200 且 merged 为 true。",
    also={200: "与近期相同诉求重复，已并入原工单（merged 为 true，无查询码）"},
)
@limit("submit_client")
@limit("submit_phone")
@citizen_required
def submit_order():
    data = _body(s.SubmitIn)
    result = citizen_orders.submit(g.citizen.phone_bidx, **data)
    return jsonify(s.dump(s.SubmitOut, result)), 200 if result.merged else 201


# -- lookup without login -----------------------------------------------------------------
@bp.post("/lookup")
@doc(
    "凭工单编号和查询码查询",
    tag="查询",
    body=s.LookupIn,
    out=s.OrderDetailOut,
    errors={
        404: "工单编号与查询码不匹配，或工单不存在（order_not_found，两种情况答复完全相同）",
        422: "工单编号格式不正确，或查询码不是 8 位数字",
    },
    description="无需登录。编号不存在与查询码错误的答复完全相同；"
    "按工单编号和客户端地址分别限制次数。",
)
@limit("lookup_client")
@limit("lookup_order")
def lookup():
    data = _body(s.LookupIn)
    return _detail(citizen_orders.lookup(data["order_no"], data["query_code"]))
