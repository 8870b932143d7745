import pytest

from interplat.services import customers
from interplat.services.errors import InvalidPhoneNumber
from tests.factories import make_enterprise


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("+1 (415) 555-0132", "+14155550132"),
        ("14155550132", "+14155550132"),  # caller id from an IVR: E.164 without the plus
        ("415 555 0132", "+14155550132"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(raw, expected):
    assert customers.normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "abc", "123", "+1 000 000 0000", "5" * 30])
def test_bad_phone_numbers_are_refused(raw):
    with pytest.raises(InvalidPhoneNumber):
        customers.normalize_phone(raw)


def test_customers_are_matched_by_phone_within_one_enterprise(session):
    a, b = make_enterprise(session), make_enterprise(session)
    first, created = customers.find_or_create_customer(
        session=session, enterprise_id=a.id, phone="+14155550132", first_name="Dana"
    )
    again, created_again = customers.find_or_create_customer(
        session=session, enterprise_id=a.id, phone="14155550132", first_name="Other"
    )
    elsewhere, created_elsewhere = customers.find_or_create_customer(
        session=session, enterprise_id=b.id, phone="+14155550132"
    )
    assert (created, created_again, created_elsewhere) == (True, False, True)
    assert again.id == first.id and again.first_name == "Dana"
    assert elsewhere.id != first.id
