from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from interplat.api import create_api
from interplat.api.deps import get_session
from interplat.db import session_scope


@pytest.fixture
def api(db_url: str) -> Iterator[TestClient]:
    """The FastAPI app alone (no frontend build), on the test database."""
    app = create_api()

    def _session() -> Iterator[Session]:
        with session_scope(db_url) as session:
            yield session

    app.dependency_overrides[get_session] = _session
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
