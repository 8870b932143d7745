"""Schemathesis over /api/openapi.json: no 5xx, every answer as documented, bad input refused."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from interplat.db import session_scope
from interplat.services import api_tokens, auth, customers, enterprises, tickets
from tests.factories import PASSWORD, make_enterprise, make_user

EXAMPLES_PER_OPERATION = 40
# Voice uploads take the recording's bytes as the body: fuzz them with arbitrary bytes.
AUDIO_TYPES = ["audio/webm", "audio/mp4", "audio/ogg", "audio/wav", "audio/mpeg"]
schemathesis.serializer.alias(AUDIO_TYPES, "application/octet-stream")
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]


@pytest.fixture
def fuzz_target(api, db_url):
    """The API over a database holding one enterprise with a CSR, a ticket and a token."""
    with session_scope(db_url) as s:
        enterprise = make_enterprise(s)
        make_user(s, enterprise, email="fuzz@example.com")
        customer, _ = customers.find_or_create_customer(
            session=s, enterprise_id=enterprise.id, phone="+14155550132"
        )
        ticket, _ = tickets.open_ticket(
            session=s, enterprise_id=enterprise.id, customer_id=customer.id, source="ivr"
        )
        listing = enterprises.default_listing(session=s, enterprise_id=enterprise.id)
        auth.log_in(session=s, email="fuzz@example.com", password=PASSWORD, ttl_hours=1)
        token = api_tokens.create_api_token(session=s, enterprise_id=enterprise.id, name="fuzz")
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", api.app)
    real_ids = {"listing_id": str(listing.id), "ticket_id": str(ticket.id)}
    return schema, {"Authorization": f"Bearer {token.secret}"}, real_ids


def test_api_conforms_to_its_openapi_description(fuzz_target):
    schema, headers, real_ids = fuzz_target
    failures, cases = {}, 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            nonlocal cases
            cases += 1
            # Half the cases aim at this enterprise's real rows, to get past the 404s.
            for name, value in real_ids.items():
                if name in (case.path_parameters or {}) and cases % 2:
                    case.path_parameters[name] = value
            response = case.call(headers={**(case.headers or {}), **headers})
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - every operation is tried, all reported
            failures[operation.label] = f"{type(exc).__name__}: {exc}"[:2000]
    print(f"schemathesis cases: {cases}")
    assert failures == {}
    assert cases >= 10 * len(list(schema.get_all_operations()))
