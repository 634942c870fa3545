"""The one request pipeline that every front door runs on (DESIGN §3).

For every request, in order:

1. ``security``: a request id, and on the way out the security headers and one JSON log
   line (no personal data, no query strings, no bodies);
2. ``input``: bounds on what a request may carry (characters no database can store);
3. ``pipeline``: the transaction policy — a GET or HEAD runs without a transaction and may
   not write (enforced on every statement), any other request commits exactly once when it
   succeeds and rolls back otherwise;
4. the front door's own authentication (``hotline.web.auth``) and the view, which loads
   orders through the one visibility rule (``hotline.services.visibility``);
5. ``errors``: every exception mapped to the one JSON error shape on the APIs and to a
   Chinese page everywhere else.
"""

from __future__ import annotations

from flask import Flask

from hotline.web import errors, input, pipeline, security


def init_app(app: Flask) -> None:
    security.init_app(app)
    input.init_app(app)
    pipeline.init_app(app)
    errors.init_app(app)
