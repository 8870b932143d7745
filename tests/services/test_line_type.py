"""Mobile or landline: numbering plans offline, the carrier for US/CA numbers."""

import pytest

from interplat.services.errors import InvalidPhoneNumber, ValidationFailed
from interplat.services.line_type import allows_chat, classify
from interplat.services.telephony import DevOutboxGateway, SentSms


class ScriptedLookup:
    """A gateway whose carrier lookup answers ``answer`` and remembers what it was asked."""

    def __init__(self, answer: str | None) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def send_sms(self, *, to: str, from_: str, body: str, status_callback: str | None) -> SentSms:
        raise AssertionError("classify never sends")

    def lookup_line_type(self, number: str) -> str | None:
        self.asked.append(number)
        return self.answer


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("+447400123456", "mobile"),  # UK mobile range
        ("+441212345678", "landline"),  # UK geographic
        ("+445612345678", "voip"),  # UK 056 VoIP range
    ],
)
def test_numbering_plans_answer_without_asking_the_carrier(number, expected):
    carrier = ScriptedLookup("landline" if expected == "mobile" else "mobile")
    assert classify(number, gateway=carrier) == expected
    assert carrier.asked == []


@pytest.mark.parametrize("answer", ["mobile", "landline", "voip"])
def test_us_numbers_ask_the_carrier_in_e164(answer):
    carrier = ScriptedLookup(answer)
    assert classify("(415) 555-2671", gateway=carrier) == answer
    assert carrier.asked == ["+14155552671"]


def test_country_hint_reads_national_numbers():
    carrier = ScriptedLookup("landline")
    assert classify("07400 123456", country_hint="GB", gateway=carrier) == "mobile"
    assert carrier.asked == []


@pytest.mark.parametrize("answer", [None, "pager", ""])
def test_a_carrier_that_cannot_tell_means_unknown(answer):
    assert classify("+14155552671", gateway=ScriptedLookup(answer)) == "unknown"


def test_without_a_gateway_us_numbers_are_unknown():
    assert classify("+14155552671") == "unknown"
    assert classify("+14155552671", gateway=DevOutboxGateway()) == "unknown"


def test_other_number_types_are_unknown_without_a_carrier_charge():
    carrier = ScriptedLookup("mobile")
    assert classify("+448001234567", gateway=carrier) == "unknown"  # UK toll-free
    assert carrier.asked == []


@pytest.mark.parametrize("number", ["", "hello", "+1415555", "+19995552671"])
def test_invalid_numbers_are_refused(number):
    carrier = ScriptedLookup("mobile")
    with pytest.raises(InvalidPhoneNumber) as caught:
        classify(number, gateway=carrier)
    assert caught.value.field == "number" and "not valid" in caught.value.message
    assert carrier.asked == []


@pytest.mark.parametrize(
    ("line_type", "policy", "allowed"),
    [
        ("mobile", "allow_unknown", True),
        ("mobile", "deny_unknown", True),
        ("voip", "allow_unknown", True),
        ("voip", "deny_unknown", True),
        ("landline", "allow_unknown", False),
        ("landline", "deny_unknown", False),
        ("unknown", "allow_unknown", True),
        ("unknown", "deny_unknown", False),
    ],
)
def test_allows_chat(line_type, policy, allowed):
    assert allows_chat(line_type, policy) is allowed


def test_allows_chat_refuses_unknown_policies_and_line_types():
    with pytest.raises(ValidationFailed) as caught:
        allows_chat("mobile", "allow")
    assert caught.value.field == "policy"
    with pytest.raises(ValidationFailed) as caught:
        allows_chat("fax", "allow_unknown")
    assert caught.value.field == "line_type"
