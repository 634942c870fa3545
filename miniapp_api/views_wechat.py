"""WeChat mini-program login and subscription consents.

The mini-program's pages are not in this repository; these are the calls they make. The
H5 page cannot use them (``wx.login`` exists only inside WeChat).
"""

from __future__ import annotations

from flask import g, jsonify

from hotline.schemas import json_body
from hotline.services.citizen import wechat as citizen_wechat
from hotline.services.notifications import consents
from hotline.web.auth import citizen_required
from hotline.web.limits import body_field, limits
from miniapp_api import bp
from miniapp_api import schemas as s
from miniapp_api import schemas_messages as m
from miniapp_api.limits import by_order, by_phone
from miniapp_api.openapi import doc

AUTH = "登录"
# What WeChat's answers become (``hotline.clients.wechat``), for both login calls.
WECHAT_ERRORS = {
    403: "微信判定为高风险用户，禁止小程序登录（wechat_login_blocked），请改用短信验证码登录",
    404: "本服务未开通微信登录（wechat_not_configured），请使用短信验证码登录",
    429: "请求过于频繁，或微信接口调用超出每分钟限额（wechat_rate_limited）；见 Retry-After",
    502: "微信拒绝了本服务的 AppID、密钥或服务器 IP（wechat_misconfigured）、"
    "手机号信息不属于本小程序（wechat_watermark_mismatch），或返回了未知错误（wechat_error）",
    503: "微信繁忙（wechat_busy）、无法连接、超时或答复异常（wechat_unavailable）；见 Retry-After",
}
LOGIN_ERRORS = {
    **WECHAT_ERRORS,
    400: "请求体不是有效的 JSON；wx.login 的 code 无效或已过期（wechat_code_invalid）、"
    "已使用（wechat_code_used）",
    422: "code 缺失、为空或超过 128 个字符",
}
PHONE_ERRORS = {
    **WECHAT_ERRORS,
    400: "请求体不是有效的 JSON；绑定凭证无效（wechat_ticket_invalid）、已过期"
    "（wechat_ticket_expired）或已使用（wechat_ticket_used）；手机号授权 code 无效、"
    "已过期或已使用",
    422: "ticket 或 code 缺失或过长；或手机号不是中国大陆手机号（phone_not_supported）",
}


def by_ticket() -> str:
    """One binding ticket is one WeChat user: its id (when signed by us) keys the limit."""
    key = citizen_wechat.ticket_key(body_field("ticket")) if body_field("ticket") else None
    return f"ticket:{key}" if key else "ticket:-"


limit = limits("CITIZEN_RATE_LIMITS", {"phone": by_phone, "order": by_order, "ticket": by_ticket})


def _token_body(result) -> dict:
    return {
        "token": result.token,
        "token_type": "Bearer",
        "expires_at": result.session.expires_at,
        "phone": result.phone,
    }


@bp.post("/auth/wechat")
@doc(
    "微信登录",
    tag=AUTH,
    status=201,
    body=m.WeChatLoginIn,
    out=m.WeChatLoginOut,
    errors=LOGIN_ERRORS,
    also={
        200: "该微信尚未绑定手机号：返回绑定凭证 ticket（bound 为 false），"
        "再调用 /auth/wechat/phone"
    },
    description="小程序 wx.login 得到的 code 由服务器换取用户身份（code2Session）。"
    "已绑定手机号的微信返回与短信登录相同的令牌（201）；未绑定的返回 10 分钟内有效、"
    "只能使用一次的绑定凭证（200）。code 无效或已使用 400，微信判定为高风险用户 403，"
    "微信接口限流 429，微信繁忙或无法连接 503（带 Retry-After）；本服务未开通微信登录时 404。",
)
@limit("wechat_client")
def wechat_login():
    data = s.load(m.WeChatLoginIn, json_body())
    result = citizen_wechat.login(data["code"])
    if not result.bound:
        out = {
            "bound": False,
            "ticket": result.ticket,
            "ticket_expires_at": result.ticket_expires_at,
        }
        return jsonify(s.dump(m.WeChatLoginOut, out)), 200
    return jsonify(s.dump(m.WeChatLoginOut, {"bound": True, **_token_body(result)})), 201


@bp.post("/auth/wechat/phone")
@doc(
    "微信手机号绑定",
    tag=AUTH,
    status=201,
    body=m.WeChatPhoneIn,
    out=s.TokenOut,
    errors=PHONE_ERRORS,
    description="用绑定凭证和手机号快速验证组件返回的 code 换取手机号（服务器校验水印中的 "
    "AppID），绑定微信与手机号，返回与短信登录相同的令牌。绑定凭证无效、过期或已使用 400；"
    "仅支持中国大陆手机号（422）。",
)
@limit("wechat_client")
@limit("wechat_ticket")
def wechat_phone():
    data = s.load(m.WeChatPhoneIn, json_body())
    result = citizen_wechat.bind_phone(data["ticket"], data["code"])
    return jsonify(s.dump(s.TokenOut, _token_body(result))), 201


@bp.post("/me/subscriptions")
@doc(
    "记录订阅消息授权",
    tag="消息",
    body=m.SubscriptionsIn,
    out=m.SubscriptionsOut,
    auth=True,
    errors={
        409: "当前手机号尚未绑定微信（wechat_not_bound）：请先在小程序中使用微信登录",
        422: "template_ids 缺失、为空、超过 20 个，或含本服务没有的模板",
    },
    description="记录 wx.requestSubscribeMessage 中用户“允许”的模板。一次性订阅每次允许"
    "发送一条；长期订阅不限条数。须先用微信登录并绑定手机号（否则 409）。",
)
@limit("settings_client")
@limit("settings_phone")
@citizen_required
def record_subscriptions():
    data = s.load(m.SubscriptionsIn, json_body())
    items = consents.record(g.citizen.phone_bidx, data["template_ids"], data["long_term"])
    return jsonify(s.dump(m.SubscriptionsOut, {"items": items}))
