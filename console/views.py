"""Pages of the privacy office console: parse the form, call one service, render.

The request pipeline commits (never a view); a failed sign-in is recorded because its
error says its changes stand (``LoginFailed.commit``)."""

from __future__ import annotations

from flask import Response, abort, g, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from console import bp, forms, session
from hotline.extensions import db
from hotline.models.enums import Role
from hotline.models.units import Unit
from hotline.services import lockout, visibility
from hotline.services.actors import Actor
from hotline.services.privacy_office import anomalies, officers, people, search, verify
from hotline.services.privacy_office import export as log_export
from privacy import access, accesslog
from privacy.catalog import FIELDS, ORDER_FIELDS
from privacy.roles import role_label

LABELS = {f.column: f.label for f in ORDER_FIELDS}
# The 字段 filter: every personal field by its Chinese name, and where two share a name,
# the record it belongs to.
_RECORDS = {"wechat_bindings": "微信绑定", "wechat_tickets": "微信绑定凭证"}
_SHARED = {f.label for f in FIELDS if sum(g.label == f.label for g in FIELDS) > 1}
FIELD_OPTIONS = [
    (
        f.qualified,
        f"{f.label}（{_RECORDS.get(f.table, f.table)}）" if f.label in _SHARED else f.label,
    )
    for f in FIELDS
]
PUBLIC_ENDPOINTS = {"console.login"}


@bp.before_request
def _guard():
    if request.method == "POST":
        session.check_csrf()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    user = session.current_user()
    if user is None:
        return redirect(url_for("console.login", next=request.path))
    if user.role != Role.PRIVACY_OFFICER:
        abort(403, description="您无权访问隐私保护控制台")
    g.officer = user
    g.actor = Actor.of(user)
    return None


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_context_processor
def _helpers():
    return {
        "csrf_token": session.csrf_token,
        "shown_time": search.shown_time,
        "role_label": role_label,
        "action_label": lambda a: log_export.ACTION_LABELS.get(a, a),
        "field_labels": search.field_labels,
    }


@bp.errorhandler(ValidationError)
def _invalid(exc: ValidationError):
    message = forms.first_message(exc)
    return render_template("console/error.html", code=400, message=message), 400


@bp.errorhandler(403)
def _forbidden(exc):
    message = "您无权访问隐私保护控制台"
    return render_template("console/error.html", code=403, message=message), 403


# -- login --------------------------------------------------------------------------------
def _login_page(error: str | None, status: int = 200):
    return render_template("console/login.html", error=error), status


@bp.errorhandler(officers.LoginFailed)
@bp.errorhandler(lockout.LockedOut)
def _login_refused(exc):
    return _login_page(exc.message, exc.status)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method != "POST":  # GET, and HEAD as Flask adds it: the form, never a login
        return _login_page(None)
    data = forms.load(forms.LoginIn, request.form)
    user, login_id = officers.login(
        data["username"], data["password"], data["totp"], request.remote_addr
    )
    session.start(user, login_id)
    target = request.args.get("next", "")
    if not target.startswith("/privacy/console/") or target.startswith("//"):
        target = url_for("console.log")
    return redirect(target)


@bp.post("/logout")
def logout():
    session.end()
    return redirect(url_for("console.login"))


# -- access log ---------------------------------------------------------------------------
def _log_page(flt: dict, page: search.Page | None, errors: dict | None = None, status=200):
    """The search form (holding ``flt`` as typed) and a page of results; with ``errors``
    the form marks each bad field and no search runs."""
    actor = flt.get("actor")
    return render_template(
        "console/log.html",
        flt=flt,
        page=page,
        errors=errors or {},
        actor_match=people.resolve_actor(actor) if actor and not errors else None,
        unit_options=db.session.execute(select(Unit.id, Unit.name).order_by(Unit.name)).all(),
        role_options=[(r, role_label(r)) for r in forms.ROLES],
        field_options=FIELD_OPTIONS,
        kinds=search.VALUE_KINDS,
    ), status


def _typed(source) -> dict:
    """The filters as typed, to refill the form (never a typed phone or ID number)."""
    return {k: v for k, v in source.items() if k in forms.LogFilterIn._declared_fields}


@bp.get("/")
def log():
    try:
        data = forms.load(forms.LogFilterIn, request.args)
    except ValidationError as exc:
        return _log_page(_typed(request.args), None, forms.field_errors(exc), 400)
    page_no = data.pop("page")
    flt = search.LogFilter.of(data)
    return _log_page(flt.url_args(), search.search(flt, page_no))


def _posted_filter() -> search.LogFilter:
    data = forms.load(forms.SearchIn, request.form)
    flt = search.LogFilter.of(data)
    return flt.with_value(data["value_kind"], data.get("value"))


def _refused_search(exc: ValidationError):
    return _log_page(_typed(request.form), None, forms.field_errors(exc), 400)


@bp.post("/")
def log_search():
    """Turn the posted filters (with any typed phone/ID hashed) into a search URL."""
    try:
        flt = _posted_filter()
    except ValidationError as exc:
        return _refused_search(exc)
    return redirect(url_for("console.log", **flt.url_args()))


@bp.post("/export.csv")
def export():
    try:
        flt = _posted_filter()
    except ValidationError as exc:
        return _refused_search(exc)
    body = log_export.export_csv(flt, g.actor)
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=access-log.csv"},
    )


# -- orders -------------------------------------------------------------------------------
def _order_page(order, values: dict, status: int = 200, **extra):
    extra.setdefault("errors", {})
    extra.setdefault("chosen", set())
    page = render_template("console/order.html", order=order, values=values, labels=LABELS, **extra)
    return page, status


@bp.get("/orders/<order_no>")
def order(order_no: str):
    o = _load(order_no)
    return _order_page(o, access.masked(o, list(LABELS)), revealed=False)


@bp.post("/orders/<order_no>/reveal")
def reveal(order_no: str):
    """Plaintext through the role matrix, like every reveal, with the stated purpose."""
    o = _load(order_no)
    try:
        data = forms.load(forms.RevealIn, request.form)
    except ValidationError as exc:
        masked = access.masked(o, list(LABELS))
        return _order_page(
            o,
            masked,
            400,
            revealed=False,
            error=forms.first_message(exc),
            errors=forms.field_errors(exc),
            chosen=set(request.form.getlist("fields")),
            purpose=request.form.get("purpose", ""),
        )
    officer = visibility.require_staff(o, g.actor)
    ctx = accesslog.AccessContext.for_staff(
        g.actor.user_id, g.actor.role, g.actor.unit_id, purpose=data["purpose"]
    ).for_order(o.id, o.order_no)
    values = access.present(
        db.session,
        o,
        list(LABELS),
        viewer=officer.viewer,
        facts=officer.facts,
        ctx=ctx,
        reveal=data["fields"],
    )
    return _order_page(o, values, revealed=True, plain=set(data["fields"]))


def _load(order_no: str):
    if len(order_no) > 24:
        abort(404)
    try:
        return visibility.load_order(order_no)
    except visibility.NotFound:
        abort(404)


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
    data = forms.load(forms.AnomaliesIn, request.args)
    report = anomalies.report(data.get("days"))
    return render_template("console/anomalies.html", report=report, names=report.names)
