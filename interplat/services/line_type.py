"""Is a caller on a mobile phone? Offline numbering plans first, the carrier when they cannot tell."""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberType

from .errors import InvalidPhoneNumber, ValidationFailed
from .telephony import SmsGateway

MOBILE, LANDLINE, VOIP, UNKNOWN = "mobile", "landline", "voip", "unknown"
LINE_TYPES = frozenset({MOBILE, LANDLINE, VOIP, UNKNOWN})
POLICIES = frozenset({"allow_unknown", "deny_unknown"})

_OFFLINE = {
    PhoneNumberType.MOBILE: MOBILE,
    PhoneNumberType.FIXED_LINE: LANDLINE,
    PhoneNumberType.VOIP: VOIP,
}
# US and Canadian numbers are always FIXED_LINE_OR_MOBILE: only the carrier knows.
_ASK_CARRIER = frozenset({PhoneNumberType.FIXED_LINE_OR_MOBILE, PhoneNumberType.UNKNOWN})


def classify(number: str, *, country_hint: str = "US", gateway: SmsGateway | None = None) -> str:
    """mobile, landline, voip or unknown for a phone number (``InvalidPhoneNumber`` if invalid)."""
    try:
        parsed = phonenumbers.parse((number or "").strip(), country_hint)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber("That phone number is not valid.", field="number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber("That phone number is not valid.", field="number")
    kind = phonenumbers.number_type(parsed)
    if kind in _OFFLINE:
        return _OFFLINE[kind]
    if kind not in _ASK_CARRIER or gateway is None:
        return UNKNOWN
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    answer = gateway.lookup_line_type(e164)
    return answer if answer in (MOBILE, LANDLINE, VOIP) else UNKNOWN


def allows_chat(line_type: str, policy: str) -> bool:
    """Whether a caller on this line type can be sent a chat link by SMS under ``policy``."""
    if policy not in POLICIES:
        raise ValidationFailed("Use allow_unknown or deny_unknown.", field="policy")
    if line_type not in LINE_TYPES:
        raise ValidationFailed("Unknown line type.", field="line_type")
    if line_type == UNKNOWN:
        return policy == "allow_unknown"
    return line_type != LANDLINE
