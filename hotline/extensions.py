"""Extensions created once and bound to the app in ``create_app``."""

from __future__ import annotations

from flask import g, has_request_context
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession

from privacy.orm import Base


class Session(FlaskSession):
    """``db.session``: during a read-only request (``hotline.web.pipeline``) every statement
    goes to the request's autocommit engine, which refuses writes."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and has_request_context():
            engine = g.get("read_only_engine")
            if engine is not None:
                return engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
