"""Binds the key ring and field cipher to a Flask app (``app.extensions["privacy"]``)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

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
    tables with the shared metadata and the ``flask privacy`` commands. (How a refusal of
    the role matrix or a failed log write is answered is the request pipeline's business:
    ``hotline.web.errors``.)"""
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


def runtime() -> PrivacyRuntime:
    return current_app.extensions["privacy"]
