"""Every route of the OpenAPI description (but health and login) refuses a missing or bad
token with 401 before looking at anything else, including routes added later; Twilio's
webhooks, which carry a signature instead of a token, refuse with 403."""

import uuid

import pytest

from interplat.api import PUBLIC_PATHS, create_api

# Public: health, login, and what a link code or a signed URL opens (QR images of links,
# the customer's recordings, stored media): tests/api/test_media_api.py and
# test_voice_api.py check those refuse without the code or signature.
PUBLIC = {("get", "/api/health"), ("post", "/api/auth/login")}
TWILIO = "/api/twilio/"
OPERATIONS = [
    (method, path)
    for path, ops in create_api().openapi()["paths"].items()
    for method in ops
    if (method, path) not in PUBLIC and not path.startswith((*PUBLIC_PATHS, TWILIO))
]
WEBHOOKS = [
    (method, path)
    for path, ops in create_api().openapi()["paths"].items()
    for method in ops
    if path.startswith(TWILIO)
]


@pytest.mark.parametrize("method,path", WEBHOOKS)
def test_twilio_webhooks_require_a_signature(api, method, path):
    for headers in ({}, {"Authorization": "Bearer ipk_nope"}, {"X-Twilio-Signature": "bm9wZQ=="}):
        response = api.request(method, path, headers=headers, data={"CallSid": "CA1"})
        assert response.status_code == 403, (method, path, headers)
        assert response.json()["error"]["code"] == "forbidden"


def test_the_webhook_list_covers_them():
    assert len(WEBHOOKS) == 6


@pytest.mark.parametrize("method,path", OPERATIONS)
def test_route_requires_a_token(api, method, path):
    url = path.replace("{", "").replace("}", "")
    for name in ("listing_id", "ticket_id", "canned_id", "rule_id", "holiday_id", "number_id"):
        url = url.replace(name, str(uuid.uuid4()))
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Bearer ipk_nope"}):
        response = api.request(method, url, headers=headers, content=b"{not json")
        assert response.status_code == 401, (method, path, headers)
        assert response.json()["error"]["code"] == "not_authenticated"


def test_the_list_covers_the_api():
    assert len(OPERATIONS) >= 30
