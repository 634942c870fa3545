"""The WeChat access token, shared by every worker process and machine.

WeChat keeps one valid ``/cgi-bin/token`` access token per mini-program: fetching a new one
invalidates the previous one (WeChat documents a grace period of about five minutes for the
old token; this code does not count on it). So the token lives in a store all workers share,
and at most one worker fetches at a time:

- :meth:`AccessTokenManager.get` returns the stored token while it has more than
  ``refresh_ahead`` seconds left. Past that, one worker takes the refresh lock (a lock with a
  lease, so a crashed holder blocks nobody for longer than the lease), reads the store again
  (another worker may just have refreshed), fetches, and stores the new token. The others
  meanwhile go on using the current token while it is still valid, or poll the store until
  the new one appears (at most ``wait_timeout`` seconds, then ``WeChatUnavailable``).
- :meth:`AccessTokenManager.call` runs ``fn(token)``; on :class:`TokenInvalid` (40001,
  40014, 42001) it deletes *that* token from the store only if it is still the stored one
  (compare-and-delete: a newer token another worker stored is kept), gets a token again and
  retries once. A second ``TokenInvalid`` is raised (status 503).
- A token is written only while its fetcher still holds the lock (a fenced write): a worker
  whose lease ran out during a slow fetch cannot overwrite the token of the worker that took
  over.

Two stores implement :class:`TokenStore`:

- :class:`RedisTokenStore`: a hash ``<prefix>:{<appid>}:token`` (fields ``token`` and
  ``expires_at`` in epoch milliseconds, expiring with the token) and a lock key
  ``<prefix>:{<appid>}:lock`` taken with ``SET NX PX`` and released by a compare-and-delete
  Lua script. The braces keep both keys in one Redis Cluster slot.
- :class:`SqlTokenStore` (the embedded default, SQLite or PostgreSQL): one row per appid in
  the table ``wechat_access_tokens``; the lock is the row's ``lock_owner``/``lock_until``,
  taken with one conditional ``UPDATE``. Lease times come from the workers' clocks, which
  must agree within a few seconds (NTP); Redis uses its own clock for the lease.

The table, for the migration (``define_token_table`` builds it on any ``MetaData``)::

    wechat_access_tokens
      appid       VARCHAR(64)  NOT NULL  PRIMARY KEY (pk_wechat_access_tokens)
      token       VARCHAR(1024) NULL     -- WeChat: reserve at least 512 characters
      expires_at  TIMESTAMP WITH TIME ZONE NULL  -- UTC
      lock_owner  VARCHAR(64)  NULL
      lock_until  TIMESTAMP WITH TIME ZONE NULL  -- UTC

The access token is a credential: it is never logged, and kept out of ``repr``.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import (
    Column,
    Engine,
    MetaData,
    String,
    Table,
    and_,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from hotline.clients.wechat import TokenInvalid, WeChatClient, WeChatUnavailable
from privacy.orm import NAMING_CONVENTION, UTCDateTime

log = logging.getLogger("hotline.wechat")

T = TypeVar("T")

TABLE_NAME = "wechat_access_tokens"


def utcnow() -> datetime:
    return datetime.now(UTC)


def _log(level: int, event: str, **fields: Any) -> None:
    if log.isEnabledFor(level):
        log.log(level, json.dumps({"event": event, **fields}, ensure_ascii=False))


@dataclass(frozen=True)
class StoredToken:
    token: str = field(repr=False)
    expires_at: datetime  # timezone-aware UTC


class TokenStore(Protocol):
    """Where workers share the token and the refresh lock. Every method is atomic."""

    def read(self, appid: str) -> StoredToken | None:
        """The stored token, or None."""
        ...

    def write(self, appid: str, token: str, expires_at: datetime, *, owner: str) -> bool:
        """Store the token if ``owner`` still holds the lock; False if it does not."""
        ...

    def delete_if(self, appid: str, token: str) -> bool:
        """Delete the stored token only if it is ``token``; True if it was deleted."""
        ...

    def acquire_lock(self, appid: str, owner: str, lease_seconds: float) -> bool:
        """Take the refresh lock for ``lease_seconds`` unless another owner holds it."""
        ...

    def release_lock(self, appid: str, owner: str) -> bool:
        """Release the lock if ``owner`` still holds it."""
        ...


# -- Redis --------------------------------------------------------------------------------
_REDIS_WRITE = """
if redis.call('get', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('del', KEYS[1])
redis.call('hset', KEYS[1], 'token', ARGV[2], 'expires_at', ARGV[3])
redis.call('pexpireat', KEYS[1], ARGV[3])
return 1
"""
_REDIS_FORGET_IF_SAME = """
if redis.call('hget', KEYS[1], 'token') == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
_REDIS_RELEASE_LOCK = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


def _store_unavailable(method):
    """A Redis that is down or hung answers as WeChat being unavailable (503, Retry-After),
    never as a server error: the caller retries, a job worker backs off."""

    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:  # redis.RedisError and its connection/timeout errors
            if type(exc).__module__.split(".")[0] != "redis":
                raise
            _log(logging.WARNING, "wechat_token_store_unavailable", error=type(exc).__name__)
            unavailable = WeChatUnavailable()
            unavailable.reason = "token_store"
            raise unavailable from exc

    wrapper.__name__, wrapper.__doc__ = method.__name__, method.__doc__
    return wrapper


class RedisTokenStore:
    """The token and the lock in Redis (redis-py client, ``decode_responses`` either way).
    Every call that fails in Redis raises ``WeChatUnavailable``."""

    def __init__(self, redis_client: Any, key_prefix: str = "hotline:wechat"):
        self.redis = redis_client
        self.key_prefix = key_prefix
        self._write = redis_client.register_script(_REDIS_WRITE)
        self._delete_token_if = redis_client.register_script(_REDIS_FORGET_IF_SAME)
        self._release_lock = redis_client.register_script(_REDIS_RELEASE_LOCK)

    def token_key(self, appid: str) -> str:
        return f"{self.key_prefix}:{{{appid}}}:token"

    def lock_key(self, appid: str) -> str:
        return f"{self.key_prefix}:{{{appid}}}:lock"

    @_store_unavailable
    def read(self, appid: str) -> StoredToken | None:
        token, expires_ms = self.redis.hmget(self.token_key(appid), ["token", "expires_at"])
        token, expires_ms = _text(token), _text(expires_ms)
        if not token or not expires_ms:
            return None
        return StoredToken(token, datetime.fromtimestamp(int(expires_ms) / 1000, UTC))

    @_store_unavailable
    def write(self, appid: str, token: str, expires_at: datetime, *, owner: str) -> bool:
        expires_ms = int(expires_at.timestamp() * 1000)
        keys = [self.token_key(appid), self.lock_key(appid)]
        return bool(self._write(keys=keys, args=[owner, token, expires_ms]))

    @_store_unavailable
    def delete_if(self, appid: str, token: str) -> bool:
        return bool(self._delete_token_if(keys=[self.token_key(appid)], args=[token]))

    @_store_unavailable
    def acquire_lock(self, appid: str, owner: str, lease_seconds: float) -> bool:
        lease_ms = max(1, int(lease_seconds * 1000))
        return bool(self.redis.set(self.lock_key(appid), owner, nx=True, px=lease_ms))

    @_store_unavailable
    def release_lock(self, appid: str, owner: str) -> bool:
        return bool(self._release_lock(keys=[self.lock_key(appid)], args=[owner]))


# -- SQL ----------------------------------------------------------------------------------
def define_token_table(metadata: MetaData, name: str = TABLE_NAME) -> Table:
    """The token table on ``metadata`` (``name`` is for tests; production uses the default)."""
    return Table(
        name,
        metadata,
        Column("appid", String(64), primary_key=True),
        Column("token", String(1024), nullable=True),
        Column("expires_at", UTCDateTime, nullable=True),
        Column("lock_owner", String(64), nullable=True),
        Column("lock_until", UTCDateTime, nullable=True),
    )


metadata = MetaData(naming_convention=NAMING_CONVENTION)
"""This module's own MetaData: the table is not on the models' ``Base.metadata`` so that
nothing expects it before its migration exists."""

wechat_access_tokens = define_token_table(metadata)


class SqlTokenStore:
    """The token and the lock in one row per appid (SQLAlchemy Core; SQLite or PostgreSQL).

    The table must exist (migration). ``clock`` gives the time used for lock leases."""

    def __init__(
        self,
        engine: Engine,
        table: Table = wechat_access_tokens,
        *,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.engine = engine
        self.table = table
        self.clock = clock

    def read(self, appid: str) -> StoredToken | None:
        t = self.table
        with self.engine.connect() as conn:
            row = conn.execute(select(t.c.token, t.c.expires_at).where(t.c.appid == appid)).first()
        if row is None or not row.token or row.expires_at is None:
            return None
        return StoredToken(row.token, row.expires_at)

    def write(self, appid: str, token: str, expires_at: datetime, *, owner: str) -> bool:
        t = self.table
        with self.engine.begin() as conn:
            result = conn.execute(
                update(t)
                .where(t.c.appid == appid, t.c.lock_owner == owner, t.c.lock_until > self.clock())
                .values(token=token, expires_at=expires_at)
            )
        return result.rowcount == 1

    def delete_if(self, appid: str, token: str) -> bool:
        t = self.table
        with self.engine.begin() as conn:
            result = conn.execute(
                update(t)
                .where(t.c.appid == appid, t.c.token == token)
                .values(token=None, expires_at=None)
            )
        return result.rowcount == 1

    def acquire_lock(self, appid: str, owner: str, lease_seconds: float) -> bool:
        t = self.table
        with self.engine.begin() as conn:
            self._ensure_row(conn, appid)
            now = self.clock()
            result = conn.execute(
                update(t)
                .where(
                    t.c.appid == appid,
                    or_(
                        t.c.lock_owner.is_(None),
                        t.c.lock_until.is_(None),
                        t.c.lock_until <= now,
                    ),
                )
                .values(lock_owner=owner, lock_until=now + timedelta(seconds=lease_seconds))
            )
        return result.rowcount == 1

    def release_lock(self, appid: str, owner: str) -> bool:
        t = self.table
        with self.engine.begin() as conn:
            result = conn.execute(
                update(t)
                .where(and_(t.c.appid == appid, t.c.lock_owner == owner))
                .values(lock_owner=None, lock_until=None)
            )
        return result.rowcount == 1

    def _ensure_row(self, conn, appid: str) -> None:
        """Insert the appid's row if missing, without failing when another worker races."""
        t = self.table
        dialect = conn.dialect.name
        if dialect in ("postgresql", "sqlite"):
            if dialect == "postgresql":
                from sqlalchemy.dialects.postgresql import insert as dialect_insert
            else:
                from sqlalchemy.dialects.sqlite import insert as dialect_insert
            conn.execute(
                dialect_insert(t)
                .values(appid=appid)
                .on_conflict_do_nothing(index_elements=["appid"])
            )
            return
        if conn.execute(select(t.c.appid).where(t.c.appid == appid)).first() is None:
            try:
                with conn.begin_nested():
                    conn.execute(insert(t).values(appid=appid))
            except IntegrityError:
                pass  # another worker inserted it first


# -- the manager --------------------------------------------------------------------------
def _owner_prefix() -> str:
    return f"{socket.gethostname()[:32]}:{os.getpid()}"


class AccessTokenManager:
    """A valid access token for ``client.appid``, refreshed by one worker at a time.

    - ``refresh_ahead``: seconds before expiry at which a refresh starts (WeChat: 7200 s
      tokens, so a refresh about every 115 minutes).
    - ``wait_timeout``: longest a caller waits for another worker's refresh when the current
      token is expired or missing; then ``WeChatUnavailable`` (503).
    - ``lock_lease``: how long the refresh lock holds without release; it must exceed the
      client's connect + read timeouts so that a live holder keeps it for the whole fetch.
    - ``reuse_margin``: a token with less than this left is not handed out while another
      worker refreshes (the call made with it must still reach WeChat in time).
    - ``clock``: the current UTC time (tests move it).
    """

    def __init__(
        self,
        client: WeChatClient,
        store: TokenStore,
        *,
        refresh_ahead: float = 300,
        wait_timeout: float = 10.0,
        lock_lease: float = 30.0,
        reuse_margin: float = 5.0,
        poll_interval: float = 0.05,
        clock: Callable[[], datetime] = utcnow,
    ):
        if refresh_ahead < 0 or wait_timeout < 0 or lock_lease <= 0 or poll_interval <= 0:
            raise ValueError("refresh_ahead/wait_timeout must be >= 0, lock_lease/poll > 0")
        self.client = client
        self.store = store
        self.appid = client.appid
        self.refresh_ahead = timedelta(seconds=refresh_ahead)
        self.wait_timeout = wait_timeout
        self.lock_lease = lock_lease
        self.reuse_margin = timedelta(seconds=reuse_margin)
        self.poll_interval = poll_interval
        self.clock = clock
        self._owner_prefix = _owner_prefix()

    def __repr__(self) -> str:
        return f"<AccessTokenManager appid={self.appid} store={type(self.store).__name__}>"

    def get(self) -> str:
        """A token with more than ``refresh_ahead`` left, or, while another worker refreshes,
        the current one if it is still valid."""
        deadline = time.monotonic() + self.wait_timeout
        delay = self.poll_interval
        while True:
            current = self.store.read(self.appid)
            now = self.clock()
            if current is not None and current.expires_at - now > self.refresh_ahead:
                return current.token
            owner = f"{self._owner_prefix}:{secrets.token_hex(6)}"
            if self.store.acquire_lock(self.appid, owner, self.lock_lease):
                try:
                    return self._refresh(owner)
                finally:
                    self.store.release_lock(self.appid, owner)
            if current is not None and current.expires_at - now > self.reuse_margin:
                return current.token  # another worker is refreshing; this one still works
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                _log(logging.WARNING, "wechat_token_wait_timeout", appid=self.appid)
                raise WeChatUnavailable()
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 0.5)

    def invalidate(self, token: str) -> bool:
        """Forget ``token`` if it is still the stored one (WeChat refused it)."""
        return self.store.delete_if(self.appid, token)

    def call(self, fn: Callable[[str], T]) -> T:
        """``fn(token)``; on ``TokenInvalid`` invalidate that token and retry once."""
        token = self.get()
        try:
            return fn(token)
        except TokenInvalid as exc:
            deleted = self.invalidate(token)
            _log(
                logging.WARNING,
                "wechat_token_rejected",
                appid=self.appid,
                errcode=exc.errcode,
                deleted=deleted,
            )
        token = self.get()
        try:
            return fn(token)
        except TokenInvalid as exc:
            self.invalidate(token)
            _log(
                logging.ERROR, "wechat_token_rejected_twice", appid=self.appid, errcode=exc.errcode
            )
            raise

    def _refresh(self, owner: str) -> str:
        current = self.store.read(self.appid)  # another worker may have refreshed meanwhile
        if current is not None and current.expires_at - self.clock() > self.refresh_ahead:
            return current.token
        started = time.monotonic()
        token, expires_in = self.client.fetch_access_token()
        expires_at = self.clock() + timedelta(seconds=expires_in)
        if expires_in <= self.refresh_ahead.total_seconds():
            _log(
                logging.WARNING, "wechat_token_short_lived", appid=self.appid, expires_in=expires_in
            )
        stored = self.store.write(self.appid, token, expires_at, owner=owner)
        _log(
            logging.INFO if stored else logging.WARNING,
            "wechat_token_refreshed" if stored else "wechat_token_lock_lost",
            appid=self.appid,
            expires_in=expires_in,
            ms=round((time.monotonic() - started) * 1000),
        )
        return token
