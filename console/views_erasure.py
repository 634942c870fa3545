"""Pages of the privacy office console for requesters' erasure requests: the list, one
request with its orders (masked), and the decision form (approve, or refuse naming the
retention that applies). The rules are ``hotline.services.privacy_office.erasure``."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from console import bp, forms
from hotline.errors import ApiError, NotFound
from hotline.models.enums import ERASURE_STATUS_LABELS, STATUS_LABELS, ErasureStatus
from hotline.services.privacy_office import erasure


def _request(request_id: int):
    try:
        return erasure.get(request_id)
    except NotFound:
        abort(404)


def _page(req, status: int = 200, error: str | None = None):
    page = render_template(
        "console/erasure_request.html",
        req=req,
        view=erasure.view(req),
        lines=erasure.order_lines(req),
        status_labels={s.value: label for s, label in STATUS_LABELS.items()},
        error=error,
    )
    return page, status


@bp.get("/erasure")
def erasure_list():
    data = forms.load(forms.ErasureListIn, request.args)
    status = ErasureStatus(data["status"]) if data.get("status") else None
    listing = erasure.listing(status, data["page"])
    return render_template(
        "console/erasure_list.html",
        listing=listing,
        views=[erasure.view(r) for r in listing.rows],
        status=data.get("status"),
        labels=ERASURE_STATUS_LABELS,
        page=data["page"],
        page_size=erasure.PAGE_SIZE,
    )


@bp.get("/erasure/<int:request_id>")
def erasure_request(request_id: int):
    return _page(_request(request_id))


@bp.post("/erasure/<int:request_id>/decision")
def erasure_decision(request_id: int):
    req = _request(request_id)
    try:
        data = forms.load(forms.ErasureDecisionIn, request.form)
        erasure.decide(
            req,
            g.actor,
            approve=data["decision"] == "approve",
            note=data.get("note"),
            retain_until=data.get("retain_until"),
        )
    except ValidationError as exc:
        return _page(req, 400, forms.first_message(exc))
    except ApiError as exc:
        return _page(req, exc.status, exc.message)
    return redirect(url_for("console.erasure_request", request_id=req.id))
