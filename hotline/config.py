"""Configuration read from the environment, with embedded defaults that run anywhere."""

from __future__ import annotations

import json
import os


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(instance_path, "hotline.db")
    # Accept the common short forms and pick the psycopg 3 driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


def from_environment(instance_path: str) -> dict:
    env = os.environ.get("HOTLINE_ENV", "development")
    if env not in ("development", "production", "testing"):
        raise RuntimeError(f"HOTLINE_ENV must be development, production or testing, not {env!r}")
    return {
        "HOTLINE_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "HOTLINE_KEYS": os.environ.get("HOTLINE_KEYS"),
        "HOTLINE_KEY_FILE": os.environ.get("HOTLINE_KEY_FILE"),
        "FIELD_ALGORITHM": os.environ.get("FIELD_ALGORITHM", "AES-256-GCM"),
        "PROXY_COUNT": _int("PROXY_COUNT", 0),
        "STAFF_TOKEN_TTL_MINUTES": _int("STAFF_TOKEN_TTL_MINUTES", 8 * 60),
        "MERGE_WINDOW_HOURS": _int("MERGE_WINDOW_HOURS", 72),
        "MERGE_PREFILTER_DISTANCE": _int("MERGE_PREFILTER_DISTANCE", 24),
        "MERGE_MIN_SIMILARITY": float(os.environ.get("MERGE_MIN_SIMILARITY", "0.85")),
        "RESPONSE_WINDOW_HOURS": _int("RESPONSE_WINDOW_HOURS", 24),
        "RETENTION_YEARS": _int("RETENTION_YEARS", 3),
        # Citizen API (miniapp_api): SMS sender, token lifetime, rate-limit overrides.
        "SMS_SENDER": os.environ.get("SMS_SENDER", "miniapp_api.sms:LogSender"),
        "CITIZEN_TOKEN_TTL_MINUTES": _int("CITIZEN_TOKEN_TTL_MINUTES", 24 * 60),
        "CITIZEN_RATE_LIMITS": json.loads(os.environ.get("CITIZEN_RATE_LIMITS") or "{}"),
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "hotline"),
    }


DEFAULTS = {
    "JSON_AS_ASCII": False,
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    # Time-limit classes, in hours from receipt (DESIGN §2).
    "TIME_LIMIT_HOURS": {"urgent": 2, "utility": 24, "normal": 7 * 24, "complex": 15 * 24},
    "DISPLAY_TIMEZONE": "Asia/Shanghai",
    "PASSWORD_HASH_METHOD": "scrypt",
    "RATING_WINDOW_DAYS": 7,
    # When Redis is down, limits go on per process in memory instead of failing open.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "SMS_CODE_TTL_SECONDS": 300,
    "SMS_CODE_MAX_ATTEMPTS": 5,
    "CITIZEN_SHOW_HANDLER": True,
    "CITIZEN_DEMO_PHONE": "13800138000",
}
