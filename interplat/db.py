"""Engine, sessions and migrations. Services receive a ``Session``; nothing else opens one."""

from __future__ import annotations

import fcntl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from .config import PROJECT_ROOT, get_settings

_MIGRATION_LOCK_KEY = 0x1A7E_7B1A  # any constant shared by every worker


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> sa.Engine:
    """One engine per database URL (pooled on PostgreSQL, WAL + busy timeout on SQLite)."""
    settings = get_settings()
    url = url or settings.database_url
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs.update(pool_size=settings.db_pool_size, max_overflow=settings.db_pool_size)
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", _sqlite_begin_immediate)
    return engine


def _sqlite_begin_immediate(conn: sa.Connection) -> None:
    # Take SQLite's write lock when a transaction starts (waiting up to busy_timeout), so a
    # transaction that reads and then writes can never fail with SQLITE_BUSY mid-way.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (see above)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    # SQLite's advice for WAL: commits stay atomic and consistent, and only a power cut
    # (not a crash of the app) can lose the last ones; FULL spent ~5 ms fsyncing per commit.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A unit of work: commits on success, rolls back on any error."""
    with Session(get_engine(url), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str | None = None) -> Any:
    from alembic.config import Config

    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    cfg.attributes["database_url"] = url or get_settings().database_url
    return cfg


def upgrade_to_head(url: str | None = None) -> None:
    """Bring the database schema to the newest migration (idempotent).

    Every backend worker calls this on start; the lock makes the first one migrate and
    the others find the schema already at head.
    """
    from alembic import command

    url = url or get_settings().database_url
    with migration_lock(url):
        command.upgrade(alembic_config(url), "head")


@contextmanager
def migration_lock(url: str) -> Iterator[None]:
    """A lock across processes: a PostgreSQL advisory lock, or a file lock beside SQLite."""
    engine = get_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK_KEY})
                conn.commit()
        return
    database = engine.url.database
    lock_path = (
        Path(f"{database}.migrate-lock")
        if database and database != ":memory:"
        else Path(tempfile.gettempdir()) / "interplat.migrate-lock"
    )
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def downgrade_to_base(url: str | None = None) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), "base")
