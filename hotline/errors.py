"""The one JSON error shape of every API: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

from flask import Flask, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    """A refusal a client can act on. Messages are Chinese: citizens and staff read them."""

    status = 400
    code = "bad_request"

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
}


def error_body(status: int, code: str, message: str, details: dict | None = None):
    return jsonify({"error": {"code": code, "message": message, "details": details or {}}}), status


def _is_api_request() -> bool:
    return request.path.startswith(("/api/", "/staff/api/"))


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_body(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(ValidationError)
    def _validation_error(exc: ValidationError):
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return error_body(422, "invalid", "提交的内容有误，请检查后重试", {"fields": messages})

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if not _is_api_request():
            return exc
        status = exc.code or 500
        code = (exc.name or "error").lower().replace(" ", "_")
        response = error_body(status, code, HTTP_MESSAGES.get(status, exc.description or ""))
        if status == 429 and getattr(exc, "retry_after", None):
            response[0].headers["Retry-After"] = str(exc.retry_after)
        if status == 405 and getattr(exc, "valid_methods", None):  # RFC 9110: say what is
            response[0].headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        if _is_api_request():
            return error_body(500, "internal_error", HTTP_MESSAGES[500])
        return "服务器内部错误", 500
