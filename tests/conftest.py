"""Fixtures shared by every test.

The suite runs on SQLite by default and on PostgreSQL when ``DATABASE_URL`` is set (as
``.ci/run`` does); rate limits use memory, or Redis when ``RATELIMIT_STORAGE_URI`` is set.
The schema is built once per run with the real migrations; each test starts from empty
tables. Under pytest-xdist (``make test`` runs one worker per core) every worker has its
own database: SQLite files live in each worker's temporary directory, and on PostgreSQL
worker ``gw1`` of ``.../test`` uses ``.../test_gw1``, created when missing.
"""

from __future__ import annotations

import os
import secrets
from types import SimpleNamespace

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from hotline.extensions import db
from hotline.models.categories import Category
from hotline.models.enums import Role, TimeLimit, UnitKind
from hotline.models.places import Community, District, Street
from hotline.models.units import StaffUser, Unit
from hotline.services import staff as staff_service
from privacy.keyring import KeyRing
from privacy.orm import Base
from yangguang import create_app

PASSWORD = "test-password-123"  # noqa: S105


def _worker_database(url: str, worker: str) -> str:
    """The PostgreSQL database of one xdist worker, created when it does not exist."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from hotline.config import database_url

    base = make_url(database_url(url))
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            found = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not found:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def pytest_configure(config) -> None:
    """Point an xdist worker at its own PostgreSQL database, before any test or probe
    process reads ``DATABASE_URL``."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("DATABASE_URL", "")
    if worker and url.startswith("postgres"):
        os.environ["DATABASE_URL"] = _worker_database(url, worker)


@pytest.fixture(scope="session")
def keyring() -> KeyRing:
    return KeyRing.generate(development=True).with_new_key("k2").with_primary("k1")


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("instance"))


@pytest.fixture(scope="session")
def base_config(instance_dir, keyring) -> dict:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_dir}/test.db"
    return {
        "TESTING": True,
        "INSTANCE_PATH": instance_dir,
        "HOTLINE_ENV": "testing",
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "PRIVACY_KEYRING": keyring,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # Limits of this run live under their own prefix (CI's second pass shares Redis),
        # and the staff login limits stay out of the way (tests of the limits lower them).
        "RATELIMIT_KEY_PREFIX": f"test-{secrets.token_hex(4)}",
        "STAFF_RATE_LIMITS": {"login_client": "100000/hour", "login_user": "100000/hour"},
    }


@pytest.fixture(scope="session")
def _schema(base_config):
    """Build the schema once with the migrations, from an empty database."""
    app = create_app(base_config)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            Base.metadata.drop_all(db.engine)
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(revision="heads")
        db.engine.dispose()


def _empty_tables() -> None:
    tables = [t.name for t in Base.metadata.sorted_tables]
    postgres = db.engine.dialect.name == "postgresql"
    with db.engine.begin() as conn:
        if postgres:
            # The access log and editions refuse changes (migration 0006); a test's own
            # clean-up may bypass triggers, as only a superuser can. DELETE and a reset of
            # the sequences cost a test 6 ms where TRUNCATE of every table cost 100 ms.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for name in reversed(tables):
            conn.execute(text(f"DELETE FROM {name}"))
        if postgres:
            conn.execute(
                text(
                    "SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S' "
                    "AND c.relnamespace = current_schema()::regnamespace"
                )
            )


@pytest.fixture
def make_app(base_config, _schema):
    """Build an app with config overrides; its tables are emptied afterwards."""
    apps = []

    def factory(**overrides):
        app = create_app({**base_config, **overrides})
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            _empty_tables()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def world(app):
    """A small, realistic corner of Beijing with its units and staff."""
    d1 = District(code="110105", name="朝阳区")
    d2 = District(code="110108", name="海淀区")
    s1 = Street(code="110105001", name="望京街道", kind="街道", district=d1)
    s2 = Street(code="110105002", name="酒仙桥街道", kind="街道", district=d1)
    s3 = Street(code="110108001", name="中关村街道", kind="街道", district=d2)
    c1 = Community(code="110105001001", name="望京西园社区", street=s1)
    c2 = Community(code="110105002001", name="驼房营社区", street=s2)
    c3 = Community(code="110108001001", name="科源社区", street=s3)
    housing = Category(code="03", name="住房", level=1)
    property_ = Category(code="0301", name="物业管理", level=2, parent=housing)
    lift = Category(
        code="030101", name="电梯维修", level=3, parent=property_, time_limit=TimeLimit.NORMAL
    )
    gas = Category(
        code="030102", name="燃气泄漏", level=3, parent=property_, time_limit=TimeLimit.URGENT
    )
    db.session.add_all([d1, d2, s1, s2, s3, c1, c2, c3, housing, property_, lift, gas])
    db.session.flush()
    units = {
        "wangjing": Unit(
            code="S110105001",
            name="北京市朝阳区望京街道办事处",
            kind=UnitKind.STREET,
            district_id=d1.id,
            street_id=s1.id,
            service_phone="010-84721234",
        ),
        "jiuxianqiao": Unit(
            code="S110105002",
            name="北京市朝阳区酒仙桥街道办事处",
            kind=UnitKind.STREET,
            district_id=d1.id,
            street_id=s2.id,
            service_phone="010-84725678",
        ),
        "chaoyang_gov": Unit(
            code="D11010511",
            name="北京市朝阳区人民政府",
            kind=UnitKind.DISTRICT_DEPT,
            district_id=d1.id,
        ),
        "chaoyang_housing": Unit(
            code="D11010502",
            name="北京市朝阳区住房和城乡建设委员会",
            kind=UnitKind.DISTRICT_DEPT,
            district_id=d1.id,
        ),
        "gas": Unit(code="E003", name="北京市燃气集团有限责任公司", kind=UnitKind.SOE),
    }
    db.session.add_all(units.values())
    db.session.flush()
    password_hash = staff_service.hash_password(PASSWORD)
    users = {}
    for name, role, unit in (
        ("agent", Role.AGENT, None),
        ("dispatcher", Role.DISPATCHER, None),
        ("supervisor", Role.SUPERVISOR, None),
        ("privacy", Role.PRIVACY_OFFICER, None),
        ("publisher", Role.PUBLISHER, None),
        ("admin", Role.ADMIN, None),
        ("h_wangjing", Role.HANDLER, "wangjing"),
        ("h_jiuxianqiao", Role.HANDLER, "jiuxianqiao"),
        ("h_chaoyang_gov", Role.HANDLER, "chaoyang_gov"),
        ("h_chaoyang_housing", Role.HANDLER, "chaoyang_housing"),
        ("h_gas", Role.HANDLER, "gas"),
    ):
        users[name] = StaffUser(
            username=name,
            password_hash=password_hash,
            role=role,
            display_name="王建国",
            staff_no=f"N{len(users) + 100}",
            unit_id=units[unit].id if unit else None,
        )
    db.session.add_all(users.values())
    db.session.commit()
    return SimpleNamespace(
        districts={"chaoyang": d1, "haidian": d2},
        streets={"wangjing": s1, "jiuxianqiao": s2, "zhongguancun": s3},
        communities={"wangjing_xiyuan": c1, "tuofangying": c2, "keyuan": c3},
        categories={"lift": lift, "gas": gas, "housing": housing},
        units=units,
        users=users,
    )


@pytest.fixture
def staff_headers(client, world):
    """Log a staff member in through the API and return their Authorization header."""
    cache = {}

    def headers(username: str) -> dict:
        if username not in cache:
            resp = client.post(
                "/staff/api/v1/auth/login", json={"username": username, "password": PASSWORD}
            )
            assert resp.status_code == 200, resp.get_json()
            cache[username] = {"Authorization": f"Bearer {resp.get_json()['token']}"}
        return cache[username]

    return headers
