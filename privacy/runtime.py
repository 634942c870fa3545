"""Binds the key ring and field cipher to a Flask app (``app.extensions["privacy"]``)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, jsonify

from privacy.crypto import FieldCipher
from privacy.keyring import KeyRing, KeyRingError, load_keyring


@dataclass
class PrivacyRuntime:
    ring: KeyRing
    cipher: FieldCipher

    def replace_ring(self, ring: KeyRing) -> None:
        self.ring = ring
        self.cipher = FieldCipher(ring, self.cipher_algorithm)

    @property
    def cipher_algorithm(self) -> str:
        return {1: "AES-256-GCM", 2: "SM4-GCM"}[self.cipher.algorithm]


def init_app(app: Flask) -> None:
    """Load the key ring (refusing development keys in production), register the access-log
    tables with the shared metadata and the ``flask privacy`` commands."""
    import privacy.models  # noqa: F401  (access_log tables join Base.metadata)
    from privacy.cli import privacy_cli

    production = app.config["HOTLINE_ENV"] == "production"
    ring = app.config.get("PRIVACY_KEYRING") or load_keyring(
        env_value=app.config.get("HOTLINE_KEYS"),
        key_file=app.config.get("HOTLINE_KEY_FILE"),
        instance_path=app.instance_path,
        production=production,
    )
    if production and ring.development:
        raise KeyRingError("production mode refuses development keys")
    app.extensions["privacy"] = PrivacyRuntime(
        ring, FieldCipher(ring, app.config["FIELD_ALGORITHM"])
    )
    app.cli.add_command(privacy_cli)
    _register_errors(app)


def _register_errors(app: Flask) -> None:
    """Refusals of the role matrix are 403; a failed access-log write is 503 (fail closed).

    Both answer in the one JSON error shape of the APIs, with a Chinese message.
    """
    from privacy.accesslog import AccessLogError
    from privacy.matrix import PlaintextRefused

    def body(status: int, code: str, message: str, details: dict):
        return jsonify({"error": {"code": code, "message": message, "details": details}}), status

    @app.errorhandler(PlaintextRefused)
    def _refused(exc: PlaintextRefused):
        return body(403, exc.code, exc.message, {"fields": list(exc.fields)})

    @app.errorhandler(AccessLogError)
    def _log_failed(exc: AccessLogError):
        app.logger.error("access log write failed; plaintext withheld: %s", exc)
        return body(503, "access_log_unavailable", exc.message, {})


def runtime() -> PrivacyRuntime:
    return current_app.extensions["privacy"]
