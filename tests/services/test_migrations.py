"""The one Alembic migration builds exactly the models' schema, and goes down and up again."""

import threading

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from interplat.db import downgrade_to_base, get_engine, upgrade_to_head
from tests.conftest import PG_URL, ensure_pg_database

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(params=BACKENDS)
def empty_db(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    url = sa.make_url(PG_URL).set(database="interplat_migrations")
    ensure_pg_database(url.render_as_string(hide_password=False))
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    yield url.render_as_string(hide_password=False)


def _tables(url):
    return set(sa.inspect(get_engine(url)).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade(empty_db):
    upgrade_to_head(empty_db)
    assert _tables(empty_db) == set(SQLModel.metadata.tables)
    upgrade_to_head(empty_db)  # idempotent
    downgrade_to_base(empty_db)
    get_engine(empty_db).dispose()
    assert _tables(empty_db) == set()
    upgrade_to_head(empty_db)
    assert _tables(empty_db) == set(SQLModel.metadata.tables)


def test_migrated_schema_matches_the_models(empty_db):
    upgrade_to_head(empty_db)
    with get_engine(empty_db).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_workers_starting_together_migrate_once(empty_db):
    """Regression: two workers on a fresh database both ran CREATE TABLE and one crashed."""
    errors = []
    barrier = threading.Barrier(3)

    def start_worker():
        barrier.wait()
        try:
            upgrade_to_head(empty_db)
        except Exception as exc:  # noqa: BLE001 - the assertion reports it
            errors.append(exc)

    workers = [threading.Thread(target=start_worker) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert errors == []
    assert _tables(empty_db) == set(SQLModel.metadata.tables)
