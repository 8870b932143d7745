"""Every route of the OpenAPI description (but health and login) refuses a missing or bad
token with 401 before looking at anything else, including routes added later."""

import uuid

import pytest

from interplat.api import create_api

# Public: health, login, and QR images of links (whoever has the code already has the link).
PUBLIC = {("get", "/api/health"), ("post", "/api/auth/login")}
OPERATIONS = [
    (method, path)
    for path, ops in create_api().openapi()["paths"].items()
    for method in ops
    if (method, path) not in PUBLIC and not path.startswith("/api/qr/")
]


@pytest.mark.parametrize("method,path", OPERATIONS)
def test_route_requires_a_token(api, method, path):
    url = path.replace("{", "").replace("}", "")
    for name in ("listing_id", "ticket_id", "canned_id", "rule_id", "holiday_id"):
        url = url.replace(name, str(uuid.uuid4()))
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Bearer ipk_nope"}):
        response = api.request(method, url, headers=headers, content=b"{not json")
        assert response.status_code == 401, (method, path, headers)
        assert response.json()["error"]["code"] == "not_authenticated"


def test_the_list_covers_the_api():
    assert len(OPERATIONS) >= 30
