"""The transaction policy of every request, whichever front door it comes through.

- A ``GET``, ``HEAD`` or ``OPTIONS`` request is a read: it runs without a transaction (each
  query on an ``AUTOCOMMIT`` connection, so no ``BEGIN``/``COMMIT`` round trips), and every
  statement it sends is checked: an ``INSERT``, ``UPDATE`` or ``DELETE`` raises
  ``ReadOnlyViolation`` before it reaches the database. A view that must write while
  answering a read — a reveal of personal data writes its access-log entry in the same
  transaction as the read — says so with ``@writes`` and runs as a write.
- Any other request is a write: it commits exactly once, after the view, when the answer
  is a success (below 400), and rolls back otherwise. An error whose side effects must
  stand (a wrong SMS code counts against the code; a failed console login counts towards a
  lockout) declares ``commit = True``; then the request commits although it failed.
- Views and services never commit (``grep commit( */views.py`` finds nothing); services
  flush when they need ids.
- A read of published content (a front door declared with
  ``hotline.web.replica.published_content``) goes to the read replica when one is
  configured and answers (``DATABASE_REPLICA_URL``), with the same write guard.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from hotline.extensions import db
from hotline.web import replica

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_ONLY_OPTION = "hotline_read_only"
_WRITE_WORDS = ("INSERT", "UPDATE", "DELETE", "MERGE", "CREATE", "ALTER", "DROP", "TRUNCATE")


class ReadOnlyViolation(RuntimeError):
    """A read-only request tried to change the database (a programming error)."""


def writes(view):
    """Mark a ``GET`` view that writes while it reads (an audited reveal)."""
    view.pipeline_writes = True
    return view


def keep_changes() -> None:
    """Commit this request's changes even though it fails (see the module docstring)."""
    g.pipeline_keep = True


def note_exception(exc: BaseException) -> None:
    """Called for every exception a view raises (``yangguang.App``)."""
    if getattr(exc, "commit", False):
        keep_changes()


def _refuse_writes(conn, cursor, statement, parameters, context, executemany):
    if conn.get_execution_options().get(READ_ONLY_OPTION):
        if statement.lstrip()[:8].upper().startswith(_WRITE_WORDS):
            raise ReadOnlyViolation(f"a read-only request tried to write: {statement[:60]!r}")


def _read_only_engine(app: Flask) -> Engine:
    engine = app.extensions.get("read_only_engine")
    if engine is None:
        engine = app.extensions["read_only_engine"] = db.engine.execution_options(
            isolation_level="AUTOCOMMIT", **{READ_ONLY_OPTION: True}
        )
    return engine


def is_read_only() -> bool:
    return g.get("pipeline_mode") in ("read", "shared-read")


def _begin() -> None:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if request.method not in READ_METHODS or getattr(view, "pipeline_writes", False):
        g.pipeline_mode = "write"
    elif db.session().in_transaction():
        # The session is already in use around this request (a test or a CLI command that
        # pushed an app context): read inside its transaction and leave it as it is.
        g.pipeline_mode = "shared-read"
    else:
        g.pipeline_mode = "read"
        bind = replica.replica_connection()
        if bind is None:
            bind = _read_only_engine(current_app._get_current_object())  # noqa: SLF001
        g.read_only_bind = bind


def _release_bind() -> None:
    bind = g.pop("read_only_bind", None)
    if isinstance(bind, Connection):
        bind.close()  # a replica connection of this request's own


def _finish(response):
    mode = g.get("pipeline_mode")
    if mode != "shared-read":
        g.pipeline_mode = "done"  # once: an error answer made from a failed commit comes here too
    if mode == "read":
        db.session.rollback()  # ends the connection's use; nothing was written
        _release_bind()
    elif mode == "write":
        if response.status_code < 400 or g.get("pipeline_keep"):
            db.session.commit()
        else:
            db.session.rollback()
    return response


def _teardown(exc) -> None:
    if exc is not None and g.get("pipeline_mode") != "shared-read":
        db.session.rollback()
    _release_bind()


def init_app(app: Flask) -> None:
    if not event.contains(Engine, "before_cursor_execute", _refuse_writes):
        event.listen(Engine, "before_cursor_execute", _refuse_writes)
    replica.init_app(app, READ_ONLY_OPTION)
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_teardown)
