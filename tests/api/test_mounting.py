"""The REST API is served by the real Reflex app, whose startup migrates the database."""

import sqlalchemy as sa
from starlette.testclient import TestClient


def test_reflex_app_serves_the_api_and_migrates_on_start(tmp_path, monkeypatch):
    from reflex_base.environment import environment

    # Reflex snapshots its frontend lock files into ./reflex.lock; building the app here
    # (with no frontend) must not overwrite the project's copy that `make run` relies on.
    monkeypatch.chdir(tmp_path)
    environment.REFLEX_SKIP_COMPILE.set(True)
    from interplat.config import get_settings
    from interplat.db import get_engine
    from interplat.interplat import app

    with TestClient(app()) as client:
        assert client.get("/api/health").json()["status"] == "ok"
        assert client.get("/ping").status_code == 200
        tables = sa.inspect(get_engine(get_settings().database_url)).get_table_names()
        assert {"alembic_version", "ticket", "message", "enterprise"} <= set(tables)
