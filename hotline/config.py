"""The one configuration object: every setting, its type, its default and what it means.

Settings are read from the environment here and nowhere else (``load``); ``create_app``
applies overrides given in code (tests, benchmarks) on top. Blueprints and services read
``current_app.config``; none installs a default of its own. The README's configuration
table is generated from ``SETTINGS`` (``flask hotline config-table``) and a test checks that
the two match.

Kinds: ``str``, ``int``, ``float``, ``bool`` (1/0, true/false, yes/no) and ``json`` (a JSON
value in the environment, e.g. ``CITIZEN_RATE_LIMITS='{"lookup_order": "5/hour"}'``). A
value that does not parse stops the start with a message naming the variable.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

ENVIRONMENTS = ("development", "production", "testing")


@dataclass(frozen=True)
class Setting:
    name: str  # the key in app.config
    kind: str
    default: Any  # a value, or a callable of the instance path
    meaning: str
    group: str
    env: str | None = ""  # the environment variable ("" = same as name, None = not read)

    @property
    def variable(self) -> str | None:
        return self.name if self.env == "" else self.env

    def default_for(self, instance_path: str) -> Any:
        value = self.default(instance_path) if callable(self.default) else self.default
        # Mutable defaults are copied so that no app shares (and edits) another's dict.
        return json.loads(json.dumps(value)) if isinstance(value, dict | list) else value


def _sqlite_default(instance_path: str) -> str:
    return "sqlite:///" + os.path.join(instance_path, "hotline.db")


DEFAULT_CITIZEN_LIMITS = {
    # Login: codes cost money and reach a phone; guesses are also capped per code (5).
    "sms_client": "10/hour;50/day",
    "sms_phone": "1/minute;5/hour;10/day",
    "login_client": "30/hour;100/day",
    "login_phone": "10/hour",
    "session_client": "60/minute",
    # Lookup by number + query code: against enumeration and code guessing.
    "lookup_client": "20/hour;100/day",
    "lookup_order": "10/hour",
    # A logged-in citizen reading their orders, keyed by the token's phone; a request
    # without a valid token counts against its address instead.
    "read_phone": "120/minute",
    # Writes.
    "rate_phone": "20/hour",
    "rate_order": "10/hour",
    "submit_client": "30/hour",
    "submit_phone": "5/hour;20/day",
    # Reference data, the OpenAPI document and pages.
    "reference_client": "300/minute",
    "docs_client": "60/minute",
    "page_client": "120/minute",
    # WeChat login (per address, and per binding ticket: one WeChat user), the inbox and
    # the notification settings (per logged-in phone and per address).
    "wechat_client": "60/hour;300/day",
    "wechat_ticket": "10/hour",
    "inbox_phone": "120/minute",
    "inbox_client": "600/minute",
    "settings_phone": "60/hour",
    "settings_client": "300/hour",
    # Photos: uploads cost CPU and memory (decoding), reads are many small thumbnails.
    "photo_client": "60/hour;300/day",
    "photo_phone": "30/hour;100/day",
    "photo_read_client": "600/minute",
    "photo_read_phone": "300/minute",
    # 催办, 补充说明, 撤回 and removing an unused upload (per phone and per address; 催办
    # also has its own rule: once per order in 24 hours).
    "act_client": "60/hour",
    "act_phone": "30/hour;100/day",
    # My data: who read it, erasure requests (reads), the download, asking to erase.
    "mydata_client": "120/minute",
    "mydata_phone": "60/minute",
    "export_client": "30/hour",
    "export_phone": "5/hour;20/day",
    "erasure_client": "20/day",
    "erasure_phone": "5/day",
}

# The WeChat subscription template the notifications use, and which of its keywords gets
# which part of a message (WeChat's limits: thing ≤ 20 characters, phrase ≤ 5).
DEFAULT_WECHAT_TEMPLATES = {
    "progress": {
        "id": "",
        "keywords": {
            "order_no": "character_string1",
            "status": "phrase2",
            "summary": "thing3",
            "time": "time4",
        },
    }
}

_S = Setting
SETTINGS: tuple[Setting, ...] = (
    # -- running -------------------------------------------------------------------------
    _S("HOTLINE_ENV", "str", "development", "`development`, `testing` or `production`", "run"),
    _S(
        "SECRET_KEY",
        "str",
        None,
        "signs sessions, citizen tokens and preview links; generated into `instance/` in "
        "development, required in production",
        "run",
    ),
    _S(
        "SQLALCHEMY_DATABASE_URI",
        "str",
        _sqlite_default,
        "database URL; `postgresql://…` uses psycopg 3 (default: SQLite `instance/hotline.db`)",
        "run",
        env="DATABASE_URL",
    ),
    _S(
        "DATABASE_REPLICA_URL",
        "str",
        None,
        "read replica for published content (portal pages and downloads, Open311); empty: "
        "none; while it is unreachable those reads go to the primary",
        "run",
    ),
    _S(
        "DATABASE_PING_IDLE_SECONDS",
        "float",
        10.0,
        "a pooled connection idle this long is checked with one round trip before use "
        "(0: before every use); busy ones are not",
        "run",
    ),
    _S(
        "RATELIMIT_STORAGE_URI",
        "str",
        "memory://",
        "rate-limit storage; `redis://host:6379/0` shares limits across workers and machines",
        "run",
    ),
    _S("RATELIMIT_KEY_PREFIX", "str", "hotline", "prefix of the rate-limit keys in Redis", "run"),
    _S(
        "REDIS_TIMEOUT_SECONDS",
        "float",
        0.05,
        "connect and read timeout of every Redis call: a hung Redis costs a request at most "
        "this before the per-process fallback takes over",
        "run",
    ),
    _S(
        "PROXY_COUNT",
        "int",
        0,
        "trusted reverse proxies in front, so that limits key on the true client address",
        "run",
    ),
    _S(
        "MAX_BODY_BYTES",
        "int",
        1024 * 1024,
        "largest request body (views taking uploads declare their own limit): 413 above",
        "run",
    ),
    _S("MAX_JSON_DEPTH", "int", 20, "deepest nesting a JSON body may have: 400 above", "run"),
    # -- keys ----------------------------------------------------------------------------
    _S("HOTLINE_KEYS", "str", None, "the key ring as a JSON document (see Keys)", "keys"),
    _S("HOTLINE_KEY_FILE", "str", None, "path of the key ring file (outside the database)", "keys"),
    _S("FIELD_ALGORITHM", "str", "AES-256-GCM", "field cipher: `AES-256-GCM` or `SM4-GCM`", "keys"),
    # -- domain rules --------------------------------------------------------------------
    _S(
        "TIME_LIMIT_HOURS",
        "json",
        {"urgent": 2, "utility": 24, "normal": 7 * 24, "complex": 15 * 24},
        "hours from receipt per time-limit class (emergency, utilities, normal, complex)",
        "domain",
    ),
    _S(
        "RESPONSE_WINDOW_HOURS",
        "int",
        24,
        "the requester must be contacted this soon after dispatch (the response rate)",
        "domain",
    ),
    _S(
        "MERGE_WINDOW_HOURS",
        "int",
        72,
        "repeats of an open request within this window are merged",
        "domain",
    ),
    _S(
        "MERGE_PREFILTER_DISTANCE",
        "int",
        24,
        "SimHash distance under which an earlier request is compared as a possible repeat",
        "domain",
    ),
    _S(
        "MERGE_MIN_SIMILARITY",
        "float",
        0.85,
        "how alike two texts of one phone must be (0–1) to count as a repeat",
        "domain",
    ),
    _S(
        "MERGE_MIN_SIMILARITY_OTHERS",
        "float",
        0.9,
        "how alike another phone's text must be to merge it (same community and category)",
        "domain",
    ),
    _S(
        "RATING_WINDOW_DAYS",
        "int",
        7,
        "days after completion in which a citizen may rate",
        "domain",
    ),
    _S(
        "RETENTION_YEARS",
        "int",
        3,
        "personal data of orders ended this many years ago is erased by `flask retention erase`",
        "domain",
    ),
    _S("DISPLAY_TIMEZONE", "str", "Asia/Shanghai", "time zone in which times are shown", "domain"),
    # -- staff ---------------------------------------------------------------------------
    _S("STAFF_TOKEN_TTL_MINUTES", "int", 480, "lifetime of a staff API token", "staff"),
    _S(
        "STAFF_RATE_LIMITS",
        "json",
        {"login_client": "60/hour;300/day", "login_user": "100/hour;300/day"},
        "staff login limits: all attempts per client address, failed ones per username tried",
        "staff",
    ),
    _S(
        "STAFF_LOGIN_MAX_FAILURES",
        "int",
        5,
        "failed staff logins per username and address before a lockout",
        "staff",
    ),
    _S(
        "STAFF_LOGIN_MAX_FAILURES_TOTAL",
        "int",
        50,
        "failed staff logins per username from all addresses before a lockout",
        "staff",
    ),
    _S("STAFF_LOGIN_LOCKOUT_MINUTES", "int", 15, "length of a staff login lockout", "staff"),
    _S(
        "PASSWORD_HASH_METHOD",
        "str",
        "scrypt",
        "werkzeug password hash method for staff accounts",
        "staff",
    ),
    # -- citizens ------------------------------------------------------------------------
    _S(
        "SMS_SENDER",
        "str",
        "miniapp_api.sms:LogSender",
        "SMS gateway class `package.module:Class` with `send(phone, code, ttl_minutes)` (login "
        "codes) and `send_notification(phone, text, key)` (notifications)",
        "citizen",
    ),
    _S("SMS_CODE_TTL_SECONDS", "int", 300, "lifetime of an SMS login code", "citizen"),
    _S("SMS_CODE_MAX_ATTEMPTS", "int", 5, "wrong tries that lock an SMS login code", "citizen"),
    _S("CITIZEN_TOKEN_TTL_MINUTES", "int", 24 * 60, "lifetime of a citizen token", "citizen"),
    _S(
        "CITIZEN_RATE_LIMITS",
        "json",
        DEFAULT_CITIZEN_LIMITS,
        "citizen API limits by name; an object given here overrides the named defaults",
        "citizen",
    ),
    _S(
        "CITIZEN_SHOW_HANDLER",
        "bool",
        True,
        "show citizens the handler's masked name and staff number",
        "citizen",
    ),
    _S(
        "CITIZEN_DEMO_PHONE",
        "str",
        "13800138000",
        "the demo phone named on `/m/` in development",
        "citizen",
    ),
    _S(
        "CITIZEN_NAMES_TTL_SECONDS",
        "int",
        300,
        "how long a worker keeps unit, place and category names in memory",
        "citizen",
    ),
    _S(
        "CITIZEN_DETAIL_CACHE_SIZE",
        "int",
        4096,
        "rendered order views kept per worker (0 = none)",
        "citizen",
    ),
    _S(
        "CITIZEN_DETAIL_CACHE_SECONDS",
        "int",
        60,
        "how long a rendered order view may be reused (it is also keyed by the order's version)",
        "citizen",
    ),
    # -- photos ----------------------------------------------------------------------------
    _S(
        "PHOTO_MAX_PIXELS",
        "int",
        50 * 1024 * 1024,
        "most pixels (width × height) a photo may have; larger ones are refused before decoding",
        "photos",
    ),
    _S(
        "PHOTOS_PER_STEP",
        "int",
        6,
        "photos one request, one 补充说明 or one handler's step may carry",
        "photos",
    ),
    _S(
        "PHOTOS_PER_ORDER",
        "int",
        24,
        "photos a requester may add to one order in all (the handlers' photos aside)",
        "photos",
    ),
    _S(
        "PHOTO_STAGED_HOURS",
        "int",
        24,
        "an uploaded photo not used by a request or a step within this time is deleted",
        "photos",
    ),
    _S(
        "PHOTO_STAGED_MAX",
        "int",
        12,
        "uploaded photos a phone (or a staff member) may hold unused at once",
        "photos",
    ),
    _S(
        "PHOTO_WORKERS",
        "int",
        2,
        "photos a worker process checks and re-encodes at once (a 50 MP photo takes ~200 MB)",
        "photos",
    ),
    _S(
        "PHOTO_QUEUE_SECONDS",
        "float",
        10.0,
        "how long an upload waits for a free slot before it is answered 503 with Retry-After",
        "photos",
    ),
    # -- my data ----------------------------------------------------------------------------
    _S(
        "ERASURE_RETENTION_MAX_YEARS",
        "int",
        30,
        "the furthest a refused erasure request may say the data is kept (years from today)",
        "privacy",
    ),
    # -- WeChat mini-program -------------------------------------------------------------
    _S(
        "WECHAT_APPID",
        "str",
        None,
        "the mini-program's AppID (WeChat login is off without it)",
        "wechat",
    ),
    _S("WECHAT_SECRET", "str", None, "the mini-program's AppSecret", "wechat"),
    _S(
        "WECHAT_API_BASE",
        "str",
        "https://api.weixin.qq.com",
        "base URL of WeChat's server APIs (tests point it at a local fake)",
        "wechat",
    ),
    _S("WECHAT_CONNECT_TIMEOUT", "float", 2.0, "seconds to connect to WeChat", "wechat"),
    _S("WECHAT_READ_TIMEOUT", "float", 5.0, "longest wait for each read from WeChat", "wechat"),
    _S(
        "WECHAT_TOKEN_STORE",
        "str",
        "auto",
        "where workers share WeChat's access token: `redis`, `database`, or `auto` (Redis "
        "when `RATELIMIT_STORAGE_URI` is Redis, else the database)",
        "wechat",
    ),
    _S(
        "WECHAT_TICKET_TTL_SECONDS",
        "int",
        600,
        "lifetime of the single-use ticket that binds a new WeChat user to a phone",
        "wechat",
    ),
    _S(
        "WECHAT_TEMPLATES",
        "json",
        DEFAULT_WECHAT_TEMPLATES,
        "subscription message templates: id and keyword names (an empty id sends no WeChat "
        "messages)",
        "wechat",
    ),
    _S(
        "WECHAT_MESSAGE_PAGE",
        "str",
        "pages/order/detail",
        "mini-program page a subscription message opens (`?order_no=` is added)",
        "wechat",
    ),
    _S(
        "WECHAT_MINIPROGRAM_STATE",
        "str",
        "formal",
        "mini-program version messages open: `developer`, `trial` or `formal`",
        "wechat",
    ),
    # -- notifications and the job queue ----------------------------------------------
    _S(
        "JOBS_URL",
        "str",
        "",
        "job queue storage (Huey): `redis://…` or `sqlite:///path`; empty: Redis when "
        "`RATELIMIT_STORAGE_URI` is Redis, else `instance/jobs.db`",
        "jobs",
    ),
    _S("JOBS_QUEUE_NAME", "str", "hotline", "name of the job queue (its keys in Redis)", "jobs"),
    _S("JOBS_WORKERS", "int", 2, "worker threads of `flask jobs worker`", "jobs"),
    _S(
        "JOBS_TASK_LEASE_SECONDS",
        "int",
        30,
        "a task not started this long after it was queued is queued again (a killed worker)",
        "jobs",
    ),
    _S(
        "NOTIFY_MAX_ATTEMPTS",
        "int",
        5,
        "failed sends of one message on one channel before it goes to the dead letters",
        "jobs",
    ),
    _S(
        "NOTIFY_RETRY_SECONDS",
        "json",
        [30, 3600],
        "backoff between attempts: [first wait, longest wait] in seconds, doubling",
        "jobs",
    ),
    _S(
        "NOTIFY_CLAIM_TIMEOUT_SECONDS",
        "int",
        60,
        "a send claimed this long ago without a result is marked uncertain, never repeated",
        "jobs",
    ),
    _S(
        "NOTIFY_QUIET_HOURS",
        "json",
        [22, 7],
        "no SMS from this hour to that hour, Beijing time (except 2-hour emergency orders)",
        "jobs",
    ),
    _S(
        "NOTIFY_MAX_EVENT_AGE_MINUTES",
        "int",
        60,
        "events recorded with a time older than this are history being replayed (demo data) "
        "and notify nobody",
        "jobs",
    ),
    _S("NOTIFY_SMS_PREFIX", "str", "【北京12345】", "signature at the start of every SMS", "jobs"),
    # -- reports -------------------------------------------------------------------------
    _S(
        "COMPOSITE_WEIGHTS",
        "json",
        {"response": 0.30, "resolution": 0.35, "satisfaction": 0.35},
        "weights of the three rates in the composite score",
        "reports",
    ),
    _S(
        "RATE_SCORES",
        "json",
        {
            "resolution": {"yes": 1.0, "partly": 0.5, "no": 0.0},
            "satisfaction": {"satisfied": 1.0, "basically": 0.8, "dissatisfied": 0.0},
        },
        "what each verdict is worth in the resolution and satisfaction rates",
        "reports",
    ),
    _S("REPORT_MIN_RATED", "int", 10, "rates over fewer orders than this are not shown", "reports"),
    _S(
        "REPORT_SMALL_CELL",
        "int",
        10,
        "counts from 1 to this minus one show as “<10” below district level",
        "reports",
    ),
    _S(
        "RANKING_RULES",
        "json",
        {
            "advanced_share": 0.10,
            "governance_share": 0.05,
            "governance_floor": 60.0,
            "rectify_share": 0.10,
            "rectify_floor": 70.0,
            "improving_places": 10,
            "improving_points": 5.0,
            "min_streets": 3,
        },
        "the monthly street ranking's class rules (先进类/进步类/整改类/治理类)",
        "reports",
    ),
    _S(
        "REPORT_RANKING_MIN_RATED",
        "int",
        30,
        "a street enters a month's ranking only with this many rated orders; fewer shows 样本不足",
        "reports",
    ),
    _S(
        "REPORT_HOTSPOTS",
        "json",
        {"baseline_weeks": 8, "min_ratio": 1.5, "fdr": 0.05},
        "weekly hotspot test (周分析): baseline weeks, the practical rise floor and the false "
        "discovery rate",
        "reports",
    ),
    _S(
        "REPORT_SCHEDULE",
        "json",
        {"monthly_working_day": 5, "yearly_by": "01-20", "weekly_working_day": 2},
        "release calendar: a month's edition on the Nth working day of the next month, the "
        "year's by this date in January, a week's on the Nth working day after it",
        "reports",
    ),
    _S(
        "REPORT_DISTRICT_TOP_CATEGORIES",
        "int",
        10,
        "level-3 categories listed per district (district pages)",
        "reports",
    ),
    _S("REPORT_TOP_CATEGORIES_L1", "int", 10, "level-1 categories a report page lists", "reports"),
    _S("REPORT_TOP_CATEGORIES_L3", "int", 20, "level-3 categories a report page lists", "reports"),
    _S("REPORT_TOP_STREETS", "int", 20, "streets the page's top-streets chart shows", "reports"),
    _S(
        "REPORT_PG_SETTINGS",
        "json",
        {"work_mem": "64MB", "jit": "off"},
        "PostgreSQL settings applied (SET LOCAL) to a report build's transaction",
        "reports",
    ),
    _S(
        "REPORT_PREVIEW_TTL_SECONDS",
        "int",
        30 * 60,
        "lifetime of a signed draft-preview link",
        "reports",
    ),
    _S("PORTAL_TITLE", "str", "北京市12345市民服务热线接诉即办", "the portal's title", "reports"),
    _S(
        "PORTAL_CACHE_SECONDS",
        "int",
        10,
        "how long a worker replays a public page before asking Flask again",
        "reports",
    ),
    _S(
        "OPEN311_DELAY_DAYS",
        "int",
        30,
        "Open311 publishes only orders received more than this many days ago",
        "portal",
    ),
    _S(
        "OPEN311_PAGE_SIZE",
        "int",
        100,
        "Open311 requests per page unless `page_size` asks for another (at most 1000)",
        "portal",
    ),
    _S(
        "OPEN311_RATE_LIMITS",
        "json",
        {"read_client": "120/minute;5000/day"},
        "Open311 read limits per client address",
        "portal",
    ),
    # -- caches --------------------------------------------------------------------------
    _S(
        "CACHE_VERSION_CHECK_SECONDS",
        "float",
        1.0,
        "how often a worker checks the shared cache versions (a publication is seen by "
        "every worker within this time)",
        "caches",
    ),
    # -- privacy console -----------------------------------------------------------------
    _S("CONSOLE_IDLE_MINUTES", "int", 15, "console sessions end after this idle time", "console"),
    _S(
        "CONSOLE_MAX_FAILURES",
        "int",
        5,
        "failed console logins per username and address before a lockout",
        "console",
    ),
    _S(
        "CONSOLE_MAX_FAILURES_TOTAL",
        "int",
        50,
        "failed console logins per username from all addresses before a lockout",
        "console",
    ),
    _S("CONSOLE_LOCKOUT_MINUTES", "int", 15, "length of a console lockout", "console"),
    _S(
        "CONSOLE_ANOMALY_READS_PER_HOUR",
        "int",
        30,
        "plaintext reads by one person in an hour that count as a burst",
        "console",
    ),
    _S(
        "CONSOLE_ANOMALY_READS_PER_DAY",
        "int",
        200,
        "plaintext reads by one person in a day that count as a burst",
        "console",
    ),
    _S("CONSOLE_ANOMALY_DAYS", "int", 7, "days the anomalies page looks back", "console"),
    _S(
        "CONSOLE_WORK_HOURS",
        "json",
        [8, 19],
        "working hours [start, end) in Beijing time; reads outside are flagged",
        "console",
    ),
)

# Settings of Flask and its extensions that the app fixes (not configurable by deployment).
FIXED = {
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    # Connections are pinged only after sitting idle (``hotline.dbpool``), not on every use.
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
    # When Redis is down, limits go on per process in memory instead of failing open.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
}

_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _parse(setting: Setting, raw: str) -> Any:
    try:
        if setting.kind == "int":
            return int(raw)
        if setting.kind == "float":
            return float(raw)
        if setting.kind == "bool" and raw.lower() in _TRUE + _FALSE:
            return raw.lower() in _TRUE
        if setting.kind == "bool":
            raise ValueError(raw)  # noqa: TRY301  (one message for every kind, below)
        if setting.kind == "json":
            return json.loads(raw)
    except ValueError:
        raise RuntimeError(f"{setting.variable} must be {setting.kind}, not {raw!r}") from None
    return raw


def database_url(url: str) -> str:
    """Accept the common short forms of a PostgreSQL URL and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


_POSTPROCESS: dict[str, Callable[[Any], Any]] = {
    "SQLALCHEMY_DATABASE_URI": database_url,
    "DATABASE_REPLICA_URL": database_url,
}
# Dict settings where a value from the environment or code is merged over the default, so
# that one limit can be changed without restating the others.
_MERGED = {
    "CITIZEN_RATE_LIMITS",
    "STAFF_RATE_LIMITS",
    "OPEN311_RATE_LIMITS",
    "REPORT_HOTSPOTS",
    "REPORT_SCHEDULE",
}


def load(
    instance_path: str,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict:
    """Every setting: its default, then the environment, then ``overrides``."""
    environ = os.environ if environ is None else environ
    overrides = overrides or {}
    out: dict[str, Any] = dict(FIXED)
    for setting in SETTINGS:
        value = setting.default_for(instance_path)
        raw = environ.get(setting.variable) if setting.variable else None
        given = _parse(setting, raw) if raw not in (None, "") else None
        if setting.name in overrides:
            given = overrides[setting.name]
        if given is not None:
            value = {**value, **given} if setting.name in _MERGED else given
        if setting.name in _POSTPROCESS and value is not None:
            value = _POSTPROCESS[setting.name](value)
        out[setting.name] = value
    if out["HOTLINE_ENV"] not in ENVIRONMENTS:
        raise RuntimeError(
            f"HOTLINE_ENV must be development, production or testing, not {out['HOTLINE_ENV']!r}"
        )
    for key, value in overrides.items():
        if key not in out or key in FIXED:
            out[key] = value
    return out


def markdown_table() -> str:
    """The README's configuration table, generated from ``SETTINGS``."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for s in SETTINGS:
        if s.variable is None:
            continue
        if callable(s.default):
            default = "SQLite file `instance/hotline.db`"
        elif s.default is None:
            default = "—"
        elif s.kind == "json":
            text = json.dumps(s.default, ensure_ascii=False)
            default = f"`{text}`" if len(text) <= 70 else "see `hotline/config.py`"
        else:
            default = f"`{s.default}`"
        lines.append(f"| `{s.variable}` | {default} | {s.meaning} |")
    return "\n".join(lines)


def write_readme_table(readme: str | None = None) -> None:
    """Replace the table between the README's ``config-table`` markers with a fresh one."""
    import re
    from pathlib import Path

    path = Path(readme or Path(__file__).resolve().parents[1] / "README.md")
    text = path.read_text(encoding="utf-8")
    block = f"<!-- config-table:start -->\n{markdown_table()}\n<!-- config-table:end -->"
    text = re.sub(
        r"<!-- config-table:start -->\n.*?\n<!-- config-table:end -->",
        lambda _: block,
        text,
        flags=re.S,
    )
    path.write_text(text, encoding="utf-8")
