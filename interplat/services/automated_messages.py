"""A listing's automated messages: what they say, when they fire, and their placeholders."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from ..models import AutomatedKind, AutomatedMessage, Customer, Enterprise, Listing, Ticket
from . import events
from .errors import ValidationFailed

PLACEHOLDERS = ("first_name", "last_name", "brand_name", "reference")
PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")
MAX_BODY_LENGTH = 1000
MAX_INACTIVITY_MESSAGES = 10
ONE_PER_LISTING = (AutomatedKind.WELCOME, AutomatedKind.OFFLINE, AutomatedKind.AFTER_HOURS)


@dataclass(frozen=True)
class AutomatedSpec:
    """One automated message as an admin edits it (``delay_seconds`` is for inactivity)."""

    kind: str
    body: str
    delay_seconds: int = 0
    enabled: bool = True
    position: int = 0


def render(template: str, *, customer: Customer, enterprise: Enterprise, ticket: Ticket) -> str:
    """Fill {first_name} {last_name} {brand_name} {reference}; unknown ones stay as typed."""
    values = {
        "first_name": customer.first_name.strip() or "there",
        "last_name": customer.last_name.strip(),
        "brand_name": enterprise.brand_name,
        "reference": ticket.reference,
    }
    # One pass, so a name that looks like a placeholder is never filled in turn.
    return PLACEHOLDER_RE.sub(lambda m: values.get(m[1], m[0]), template)


def list_automated(*, session: Session, listing: Listing) -> list[AutomatedSpec]:
    """The listing's automated messages in their saved order."""
    rows = session.exec(
        select(AutomatedMessage)
        .where(AutomatedMessage.listing_id == listing.id)
        .order_by(
            col(AutomatedMessage.position),
            col(AutomatedMessage.kind),
            col(AutomatedMessage.delay_seconds),
        )
    ).all()
    return [AutomatedSpec(r.kind, r.body, r.delay_seconds, r.enabled, r.position) for r in rows]


def replace_automated(
    *, session: Session, listing: Listing, specs: list[AutomatedSpec]
) -> list[AutomatedSpec]:
    """Replace all the listing's messages, in the order given; nothing changes on any error."""
    checked = _validated(specs)
    existing = list(
        session.exec(
            select(AutomatedMessage).where(AutomatedMessage.listing_id == listing.id)
        ).all()
    )
    # A message saved again keeps its row, so tickets that already got it don't get it twice.
    kept, dropped = _pair_with_existing(existing, checked)
    for spec, row in zip(checked, kept, strict=True):
        row = row or AutomatedMessage(
            enterprise_id=listing.enterprise_id, listing_id=listing.id, kind=spec.kind, body=""
        )
        row.kind, row.body, row.delay_seconds = spec.kind, spec.body, spec.delay_seconds
        row.enabled, row.position = spec.enabled, spec.position
        session.add(row)
    for row in dropped:
        session.delete(row)
    session.flush()
    events.publish(
        session, "listing.automation_changed", listing.enterprise_id, listing_id=str(listing.id)
    )
    return list_automated(session=session, listing=listing)


def _validated(specs: list[AutomatedSpec]) -> list[AutomatedSpec]:
    checked = [_checked(i, spec) for i, spec in enumerate(specs)]
    counts = Counter(spec.kind for spec in checked)
    for kind in ONE_PER_LISTING:
        if counts[kind] > 1:
            label = kind.replace("_", "-")
            raise ValidationFailed(
                f"A listing has at most one {label} message; this request has {counts[kind]}.",
                field="kind",
            )
    if counts[AutomatedKind.INACTIVITY] > MAX_INACTIVITY_MESSAGES:
        raise ValidationFailed(
            f"A listing has at most {MAX_INACTIVITY_MESSAGES} inactivity messages.", field="kind"
        )
    return checked


def _checked(index: int, spec: AutomatedSpec) -> AutomatedSpec:
    """The spec cleaned up, or ValidationFailed naming the message by its number."""
    which = f"Automated message {index + 1}"
    body, delay = spec.body.strip(), spec.delay_seconds
    inactivity = spec.kind == AutomatedKind.INACTIVITY
    unknown = sorted(set(PLACEHOLDER_RE.findall(body)) - set(PLACEHOLDERS))
    problems = [
        (
            spec.kind not in set(AutomatedKind),
            "kind",
            f"{which} has an unknown kind “{spec.kind}”. "
            "Use welcome, inactivity, offline or after_hours.",
        ),
        (not body, "body", f"{which} needs some text."),
        (
            len(body) > MAX_BODY_LENGTH,
            "body",
            f"{which} is longer than {MAX_BODY_LENGTH} characters.",
        ),
        (
            bool(unknown),
            "body",
            f"{which} uses {_braced(unknown)}, which we cannot fill in. "
            f"The placeholders are {_braced(PLACEHOLDERS)}.",
        ),
        (delay < 0, "delay_seconds", f"{which} cannot have a negative delay."),
        (
            inactivity and delay == 0,
            "delay_seconds",
            f"{which} is an inactivity message: give it a delay of at least one second.",
        ),
    ]
    for failed, field, message in problems:
        if failed:
            raise ValidationFailed(message, field=field)
    return AutomatedSpec(
        kind=str(spec.kind),
        body=body,
        delay_seconds=delay if inactivity else 0,
        enabled=bool(spec.enabled),
        position=index,
    )


def _braced(names: Iterable[str]) -> str:
    return ", ".join("{" + name + "}" for name in names)


def _pair_with_existing(
    existing: list[AutomatedMessage], specs: list[AutomatedSpec]
) -> tuple[list[AutomatedMessage | None], list[AutomatedMessage]]:
    """Each spec's reusable row (same kind, same delay first) and the rows left over."""
    free = list(existing)
    pairs: list[AutomatedMessage | None] = [None] * len(specs)
    for same_delay in (True, False):
        for i, spec in enumerate(specs):
            matches = [
                row
                for row in free
                if row.kind == spec.kind
                and (not same_delay or row.delay_seconds == spec.delay_seconds)
            ]
            if pairs[i] is None and matches:
                pairs[i] = matches[0]
                free.remove(matches[0])
    return pairs, free
