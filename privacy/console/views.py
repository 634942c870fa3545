"""Pages of the privacy office console. Each request commits at most once."""

from __future__ import annotations

import csv
import io

from flask import (
    Response,
    abort,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from hotline.extensions import db
from hotline.models.enums import Role
from hotline.models.orders import PERSONAL_FIELDS, Order
from hotline.models.units import Unit
from privacy import access, accesslog
from privacy.console import anomalies, auth, bp, search, verify
from privacy.matrix import PlaintextRefused, check_purpose
from privacy.runtime import runtime

FIELD_LABELS = {
    "requester_name": "姓名",
    "requester_phone": "电话",
    "requester_id_number": "身份证号",
    "requester_address": "地址",
    "content": "诉求内容",
}
ROLE_LABELS = {
    "agent": "话务员",
    "dispatcher": "派单员",
    "handler": "承办人员",
    "supervisor": "督办人员",
    "privacy_officer": "隐私保护专员",
    "publisher": "发布人员",
    "admin": "管理员",
    "system": "系统任务",
}
ACTION_LABELS = {"reveal": "查看明文", "erase": "到期删除", "export": "导出日志"}
PUBLIC_ENDPOINTS = {"console.login"}


@bp.before_request
def _guard():
    if request.method == "POST":
        auth.check_csrf()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    officer = auth.current_officer()
    if officer is None:
        return redirect(url_for("console.login", next=request.path))
    if officer.role != auth.OFFICER_ROLE:
        abort(403)
    g.officer = officer
    return None


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_context_processor
def _helpers():
    return {
        "csrf_token": auth.csrf_token,
        "shown_time": search.shown_time,
        "role_label": lambda r: ROLE_LABELS.get(r, r),
        "action_label": lambda a: ACTION_LABELS.get(a, a),
    }


@bp.errorhandler(400)
@bp.errorhandler(403)
@bp.errorhandler(404)
def _error(exc):
    messages = {403: "您无权访问隐私保护控制台", 404: "页面不存在"}
    message = messages.get(exc.code) or exc.description
    return render_template("console/error.html", code=exc.code, message=message), exc.code


# -- login --------------------------------------------------------------------------------
@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("console/login.html", error=None)
    try:
        auth.login(
            request.form.get("username", ""),
            request.form.get("password", ""),
            request.form.get("totp", ""),
        )
    except auth.LoginFailed as exc:
        db.session.commit()  # the failed attempt is recorded
        status = 403 if exc.outcome == "not_officer" else 401
        return render_template("console/login.html", error=exc.message), status
    db.session.commit()
    target = request.args.get("next", "")
    if not target.startswith("/privacy/console/") or target.startswith("//"):
        target = url_for("console.log")
    return redirect(target)


@bp.post("/logout")
def logout():
    auth.logout()
    db.session.commit()
    return redirect(url_for("console.login"))


# -- access log ---------------------------------------------------------------------------
@bp.get("/")
def log():
    flt = search.LogFilter.from_args(request.args)
    page = search.search(flt, request.args.get("page", 1, type=int))
    units = db.session.scalars(select(Unit).order_by(Unit.name)).all()
    return render_template(
        "console/log.html",
        flt=flt.values,
        page=page,
        units=units,
        roles=[str(r) for r in Role] + ["system"],
        kinds=search.VALUE_KINDS,
    )


@bp.post("/")
def log_search():
    """Turn the posted filters (with any typed phone/ID hashed) into a search URL."""
    flt = search.LogFilter.from_form(request.form)
    return redirect(url_for("console.log", **flt.values))


@bp.post("/export.csv")
def export():
    flt = search.LogFilter.from_form(request.form)
    officer = g.officer
    ctx = accesslog.AccessContext.for_staff(
        officer.id, officer.role, officer.unit_id, purpose=f"导出访问日志：{flt.describe()}"
    ).with_request()
    entries = list(db.session.scalars(search.statement(flt)))
    accesslog.append_entry(
        db.session, runtime().ring, ctx, action="export", records=[], fields=[], value_hashes={}
    )
    db.session.commit()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["序号", "时间", "操作", "操作人", "角色", "单位", "工单编号", "字段", "用途"])
    for e in entries:
        writer.writerow(
            [
                e.seq,
                search.shown_time(e.occurred_at),
                ACTION_LABELS.get(e.action, e.action),
                e.actor,
                ROLE_LABELS.get(e.role, e.role),
                e.unit_id or "",
                e.order_no or "",
                e.fields,
                _cell(e.purpose or ""),
            ]
        )
    body = "\ufeff" + out.getvalue()
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=access-log.csv"},
    )


def _cell(text: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


# -- orders -------------------------------------------------------------------------------
def _order(order_no: str) -> Order:
    order = db.session.scalar(select(Order).where(Order.order_no == order_no))
    if order is None:
        abort(404)
    return order


@bp.get("/orders/<order_no>")
def order(order_no: str):
    o = _order(order_no)
    values = access.masked(o, PERSONAL_FIELDS)
    return render_template(
        "console/order.html", order=o, values=values, labels=FIELD_LABELS, revealed=False
    )


@bp.post("/orders/<order_no>/reveal")
def reveal(order_no: str):
    o = _order(order_no)
    wanted = [f for f in request.form.getlist("fields") if f in PERSONAL_FIELDS]
    masked = access.masked(o, PERSONAL_FIELDS)
    error, purpose = None, None
    try:
        purpose = check_purpose(request.form.get("purpose"))
    except PlaintextRefused as exc:
        error = exc.message
    if not wanted:
        error = "请选择要查看明文的字段"
    if error:
        return render_template(
            "console/order.html",
            order=o,
            values=masked,
            labels=FIELD_LABELS,
            revealed=False,
            error=error,
        ), 400
    officer = g.officer
    ctx = accesslog.AccessContext.for_staff(
        officer.id, officer.role, officer.unit_id, purpose=purpose
    ).for_order(o.id, o.order_no)
    plain = access.reveal(db.session, o, wanted, ctx=ctx)
    db.session.commit()
    values = {**masked, **plain}
    return render_template(
        "console/order.html",
        order=o,
        values=values,
        labels=FIELD_LABELS,
        revealed=True,
        plain=set(plain),
    )


# -- verify and anomalies -----------------------------------------------------------------
@bp.route("/verify", methods=["GET", "POST"])
def verify_page():
    result = None
    if request.method == "POST":
        upload = request.files.get("checkpoint")
        text = upload.read().decode("utf-8", "replace") if upload and upload.filename else None
        result = verify.run(text)
    return render_template("console/verify.html", result=result)


@bp.get("/anomalies")
def anomalies_page():
    days = request.args.get("days", type=int)
    report = anomalies.report(days if days and 0 < days <= 366 else None)
    return render_template("console/anomalies.html", report=report)
