"""Extensions created once and bound to the app in ``create_app``."""

from __future__ import annotations

from flask import current_app, g, has_app_context, has_request_context
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession

from privacy.orm import Base

PUBLISHED_READS = "hotline_published_reads"  # app.extensions key (hotline.web.replica)


class Session(FlaskSession):
    """``db.session``: during a read-only request (``hotline.web.pipeline``) every statement
    goes to the request's autocommit bind, which refuses writes (the primary, or for
    published content the replica: ``hotline.web.replica``); elsewhere a read of the cache
    version goes where published content is read."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and has_app_context():
            chosen = g.get("read_only_bind") if has_request_context() else None
            if chosen is None and (reads := current_app.extensions.get(PUBLISHED_READS)):
                chosen = reads.route(mapper, clause)
            if chosen is not None:
                return chosen
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
