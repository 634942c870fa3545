"""The domain's refusals. Services raise them; ``hotline.web.errors`` turns each into the
one JSON error shape of the APIs (``{"error": {"code", "message", "details"}}``) or a
Chinese error page."""

from __future__ import annotations


class ApiError(Exception):
    """A refusal a client can act on. Messages are Chinese: citizens and staff read them.

    ``commit = True`` on a subclass means the changes made before the refusal stand (a
    failed attempt that must count); the request pipeline then commits although it fails.
    """

    status = 400
    code = "bad_request"
    commit = False

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        details: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.details = details or {}


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    """The step is not allowed in the order's current state."""

    status, code = 409, "conflict"


class Invalid(ApiError):
    status, code = 422, "invalid"


HTTP_MESSAGES = {
    400: "请求格式不正确",
    401: "请先登录",
    403: "无权执行此操作",
    404: "资源不存在",
    405: "不支持该请求方法",
    409: "当前状态不允许此操作",
    413: "请求内容过大",
    415: "请使用 JSON 格式提交",
    422: "提交的内容有误",
    429: "请求过于频繁，请稍后再试",
    500: "服务器内部错误，请稍后再试",
    502: "上游服务出错，请稍后再试",
    503: "服务暂时不可用，请稍后再试",
}
