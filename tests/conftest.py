"""Shared fixtures: a fresh database per test (SQLite, and PostgreSQL when
``INTERPLAT_TEST_DATABASE_URL`` is set), a captured event bus, factories."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_TMP = Path(tempfile.mkdtemp(prefix="interplat-tests-"))

# Before anything imports the app: never touch the developer's database or Redis.
os.environ["INTERPLAT_ENV"] = "test"
os.environ["INTERPLAT_DATABASE_URL"] = f"sqlite:///{_TMP / 'default.db'}"
os.environ.pop("INTERPLAT_REDIS_URL", None)
os.environ["INTERPLAT_UPLOAD_DIR"] = str(_TMP / "uploads")
# Building the Reflex app in this process (API mounting test) keeps its files out of the
# project's .web/, which belongs to the real app the e2e tests start.
os.environ["REFLEX_WEB_WORKDIR"] = str(_TMP / "web")
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import interplat.models  # noqa: E402,F401
from interplat.config import get_settings  # noqa: E402
from interplat.services import events  # noqa: E402

get_settings.cache_clear()

PG_URL = os.environ.get("INTERPLAT_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("INTERPLAT_TEST_REDIS_URL", "")
DATABASES = ["sqlite"] + (["postgresql"] if PG_URL else [])


def ensure_pg_database(url: str) -> None:
    """Create the test database on the server if it does not exist yet."""
    target = sa.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
        ).first()
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[sa.Engine]:
    ensure_pg_database(PG_URL)
    engine = sa.create_engine(PG_URL, pool_pre_ping=True)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with the full schema and no rows, on each configured backend."""
    from interplat.db import get_engine

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        SQLModel.metadata.create_all(get_engine(url))
        yield url
        get_engine(url).dispose()
        return
    engine = request.getfixturevalue("pg_engine")
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    yield PG_URL


@pytest.fixture
def engine(db_url: str) -> sa.Engine:
    from interplat.db import get_engine

    return get_engine(db_url)


@pytest.fixture
def session(engine: sa.Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s


class CapturingBus(events.LocalBus):
    """The in-process bus, remembering everything delivered."""

    def __init__(self) -> None:
        super().__init__()
        self.delivered: list[events.DomainEvent] = []
        self.subscribe(self.delivered.append)

    def kinds(self) -> list[str]:
        return [e.kind for e in self.delivered]


@pytest.fixture(autouse=True)
def bus() -> Iterator[CapturingBus]:
    captured = CapturingBus()
    events.set_bus(captured)
    yield captured
    events.set_bus(None)
