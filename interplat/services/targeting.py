"""Who a chat blast reaches: an audience turned into customer ids, minus those it must not reach.

Audiences: the loop (a CSR's own, or the whole enterprise's for admins and back offices),
a geofence (within N yards of one of the enterprise's stores, from the location customers
shared in their chat), demographics (age, city/region, loop tags, last contact), or
hand-picked customers. Exclusions always win and are counted by reason, so a preview can
say why someone will not get the blast.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from ..models import (
    OPEN_TICKET_STATUSES,
    Customer,
    Enterprise,
    LoopMembership,
    SmsSuppression,
    StoreLocation,
    Ticket,
    utcnow,
)
from . import consent
from .auth import Principal
from .errors import NotFound, ValidationFailed
from .loop import sees_everyone

KINDS = ("loop", "geofence", "demographic", "hand_picked")
LEFT_LOOP, SMS_STOP, UNREACHABLE, NO_LOCATION = (
    "left the loop",
    "SMS STOP",
    "no way to reach",
    "no location",
)
EARTH_RADIUS_M = 6_371_008.8
METERS_PER_YARD = 0.9144
MAX_YARDS = 100_000  # about 57 miles: beyond that a "fence" is a region
MAX_AGE = 120
MAX_PICKED = 5_000
CHUNK = 500


@dataclass(frozen=True)
class Audience:
    """Who a blast is for; ``from_params`` validates what a form or the API sent."""

    kind: str
    store_ids: tuple[uuid.UUID, ...] = ()
    yards: int = 0
    min_age: int | None = None
    max_age: int | None = None
    city: str = ""
    region: str = ""
    tags: tuple[str, ...] = ()
    all_tags: bool = False
    contacted_within_days: int | None = None
    customer_ids: tuple[uuid.UUID, ...] = ()

    def to_params(self) -> dict[str, Any]:
        """JSON for ``ChatBlast.target_params``."""
        return {
            "store_ids": [str(s) for s in self.store_ids],
            "yards": self.yards,
            "min_age": self.min_age,
            "max_age": self.max_age,
            "city": self.city,
            "region": self.region,
            "tags": list(self.tags),
            "all_tags": self.all_tags,
            "contacted_within_days": self.contacted_within_days,
            "customer_ids": [str(c) for c in self.customer_ids],
        }


@dataclass(frozen=True)
class Selection:
    """Targeted customers: those who may get it, and the others with the reason why not."""

    eligible: list[uuid.UUID]
    excluded: dict[uuid.UUID, str] = field(default_factory=dict)

    def excluded_counts(self) -> dict[str, int]:
        """Count per reason, the most frequent first (ties in a fixed order)."""
        order = [LEFT_LOOP, SMS_STOP, UNREACHABLE, NO_LOCATION]
        counts = Counter(self.excluded.values())
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], order.index(kv[0])))
        return dict(ranked)


def _ids(values: Iterable[Any], name: str) -> tuple[uuid.UUID, ...]:
    try:
        return tuple(dict.fromkeys(uuid.UUID(str(v)) for v in values))
    except ValueError:
        raise ValidationFailed("Choose from the list.", field=name) from None


def _int_or_none(value: Any, name: str, low: int, high: int, label: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{label} must be a whole number.", field=name) from None
    if not low <= number <= high:
        raise ValidationFailed(f"{label} must be between {low} and {high}.", field=name)
    return number


def audience_from_params(kind: str, params: dict[str, Any]) -> Audience:
    """A checked ``Audience``; ``ValidationFailed`` names the field that is wrong."""
    if kind not in KINDS:
        raise ValidationFailed("Choose who receives the blast.", field="audience")
    if kind == "geofence":
        stores = _ids(params.get("store_ids") or [], "store_ids")
        if not stores:
            raise ValidationFailed("Choose at least one store.", field="store_ids")
        yards = _int_or_none(params.get("yards"), "yards", 1, MAX_YARDS, "The distance")
        if yards is None:
            raise ValidationFailed("Give a distance in yards.", field="yards")
        return Audience(kind, store_ids=stores, yards=yards)
    if kind == "hand_picked":
        picked = _ids(params.get("customer_ids") or [], "customer_ids")
        if not picked or len(picked) > MAX_PICKED:
            raise ValidationFailed(f"Pick 1–{MAX_PICKED:,} customers.", field="customer_ids")
        return Audience(kind, customer_ids=picked)
    if kind == "loop":
        return Audience(kind)
    low = _int_or_none(params.get("min_age"), "min_age", 0, MAX_AGE, "The youngest age")
    high = _int_or_none(params.get("max_age"), "max_age", 0, MAX_AGE, "The oldest age")
    if low is not None and high is not None and low > high:
        raise ValidationFailed("The youngest age is above the oldest.", field="min_age")
    days = _int_or_none(
        params.get("contacted_within_days"), "contacted_within_days", 1, 3650, "Last contact"
    )
    tags = tuple(dict.fromkeys(str(t).strip().lower() for t in params.get("tags") or [] if t))
    return Audience(
        kind,
        min_age=low,
        max_age=high,
        city=str(params.get("city") or "").strip()[:100],
        region=str(params.get("region") or "").strip()[:100],
        tags=tags,
        all_tags=bool(params.get("all_tags")),
        contacted_within_days=days,
    )


def distance_yards(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance between two points, in yards."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a))) / METERS_PER_YARD


def _box(store: StoreLocation, yards: int) -> tuple[float, float, float, float]:
    """A lat/lon box holding the circle, so SQL can drop far customers before Python."""
    dlat = math.degrees(yards * METERS_PER_YARD / EARTH_RADIUS_M) * 1.001
    dlon = dlat / max(math.cos(math.radians(store.latitude)), 1e-6)
    return (
        store.latitude - dlat,
        store.latitude + dlat,
        store.longitude - dlon,
        store.longitude + dlon,
    )


def _base(principal: Principal, audience: Audience) -> Any:
    query = select(Customer).where(Customer.enterprise_id == principal.enterprise_id)
    if audience.kind == "loop" and not sees_everyone(principal):
        mine = select(LoopMembership.customer_id).where(LoopMembership.user_id == principal.user_id)
        query = query.where(col(Customer.id).in_(mine))
    elif audience.kind == "loop":
        members = select(LoopMembership.customer_id).where(
            LoopMembership.enterprise_id == principal.enterprise_id
        )
        query = query.where(col(Customer.id).in_(members))
    return query


def _geofence(session: Session, principal: Principal, audience: Audience) -> Selection:
    stores = session.exec(
        select(StoreLocation).where(
            StoreLocation.enterprise_id == principal.enterprise_id,
            col(StoreLocation.id).in_(audience.store_ids),
        )
    ).all()
    if len(stores) != len(audience.store_ids):
        raise NotFound("A chosen store is not one of yours.")
    inside: set[uuid.UUID] = set()
    for store in stores:
        lat0, lat1, lon0, lon1 = _box(store, audience.yards)
        rows = session.exec(
            select(Customer.id, Customer.latitude, Customer.longitude).where(
                Customer.enterprise_id == principal.enterprise_id,
                col(Customer.latitude).between(lat0, lat1),
                col(Customer.longitude).between(lon0, lon1),
            )
        ).all()
        for cid, lat, lon in rows:
            if lat is None or lon is None:
                continue
            # A hair of tolerance: a customer exactly N yards away is inside the fence.
            if distance_yards(store.latitude, store.longitude, lat, lon) <= audience.yards + 1e-6:
                inside.add(cid)
    unplaced = session.exec(
        select(Customer.id).where(
            Customer.enterprise_id == principal.enterprise_id,
            col(Customer.latitude).is_(None) | col(Customer.longitude).is_(None),
        )
    ).all()
    return Selection(sorted(inside), {cid: NO_LOCATION for cid in unplaced})


def age_on(dob: dt.date, today: dt.date) -> int:
    """Whole years lived on ``today`` (a birthday today counts)."""
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


def local_today(session: Session, enterprise_id: uuid.UUID, now: dt.datetime) -> dt.date:
    enterprise = session.get(Enterprise, enterprise_id)
    try:
        zone = zoneinfo.ZoneInfo(enterprise.timezone if enterprise else "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return now.astimezone(zone).date()


def _demographic(
    session: Session, principal: Principal, audience: Audience, now: dt.datetime
) -> list[uuid.UUID]:
    query = _base(principal, audience)
    if audience.city:
        query = query.where(col(Customer.city).ilike(audience.city))
    if audience.region:
        query = query.where(col(Customer.region).ilike(audience.region))
    if audience.contacted_within_days:
        since = now - dt.timedelta(days=audience.contacted_within_days)
        query = query.where(col(Customer.last_contact_at) >= since)
    if audience.min_age is not None or audience.max_age is not None:
        query = query.where(col(Customer.dob).is_not(None))
    today = local_today(session, principal.enterprise_id, now)
    low, high = audience.min_age or 0, MAX_AGE if audience.max_age is None else audience.max_age
    found = [
        c.id
        for c in session.exec(query).all()
        if c.dob is None or low <= age_on(c.dob, today) <= high
    ]
    return _with_tags(session, principal, audience, found) if audience.tags else found


def _with_tags(
    session: Session, principal: Principal, audience: Audience, ids: list[uuid.UUID]
) -> list[uuid.UUID]:
    """Customers whose loop tags (in any CSR's loop of the enterprise) match any/all tags."""
    tags: dict[uuid.UUID, set[str]] = {}
    for chunk in _chunks(ids):
        for cid, row_tags in session.exec(
            select(LoopMembership.customer_id, LoopMembership.tags).where(
                LoopMembership.enterprise_id == principal.enterprise_id,
                col(LoopMembership.customer_id).in_(chunk),
            )
        ).all():
            tags.setdefault(cid, set()).update(str(t).lower() for t in row_tags or [])
    wanted = set(audience.tags)
    test = wanted.issubset if audience.all_tags else (lambda have: bool(wanted & have))
    return [cid for cid in ids if test(tags.get(cid, set()))]


def select_audience(
    *, session: Session, principal: Principal, audience: Audience, now: dt.datetime | None = None
) -> Selection:
    """The audience's customers of the principal's enterprise, before exclusions."""
    now = now or utcnow()
    if audience.kind == "geofence":
        return _geofence(session, principal, audience)
    if audience.kind == "demographic":
        return Selection(_demographic(session, principal, audience, now))
    if audience.kind == "hand_picked":
        query = select(Customer.id).where(
            Customer.enterprise_id == principal.enterprise_id,
            col(Customer.id).in_(audience.customer_ids),
        )
        return Selection(sorted(session.exec(query).all()))
    ids = [c.id for c in session.exec(_base(principal, audience)).all()]
    return Selection(ids)


def _chunks(ids: Sequence[uuid.UUID]) -> Iterator[Sequence[uuid.UUID]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def exclusions(
    *, session: Session, enterprise_id: uuid.UUID, customer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Why some of these customers must not get marketing now (the others may).

    "left the loop": marketing turned off (or their loop membership opted out);
    "SMS STOP": their number texted STOP; "no way to reach": no open chat and no phone.
    """
    out: dict[uuid.UUID, str] = {}
    for chunk in _chunks(list(customer_ids)):
        allowed = consent.marketable(
            session=session, enterprise_id=enterprise_id, customer_ids=chunk
        )
        opted_out = set(
            session.exec(
                select(LoopMembership.customer_id).where(
                    col(LoopMembership.customer_id).in_(chunk),
                    col(LoopMembership.opted_in).is_(False),
                )
            ).all()
        )
        rows = session.exec(
            select(Customer.id, Customer.phone).where(col(Customer.id).in_(chunk))
        ).all()
        phones = {cid: phone for cid, phone in rows}
        stopped = set(
            session.exec(
                select(SmsSuppression.phone).where(
                    SmsSuppression.enterprise_id == enterprise_id,
                    col(SmsSuppression.phone).in_([p for p in phones.values() if p]),
                )
            ).all()
        )
        open_chat = set(
            session.exec(
                select(Ticket.customer_id).where(
                    Ticket.enterprise_id == enterprise_id,
                    col(Ticket.customer_id).in_(chunk),
                    col(Ticket.status).in_([str(s) for s in OPEN_TICKET_STATUSES]),
                )
            ).all()
        )
        for cid in chunk:
            if cid not in allowed or cid in opted_out:
                out[cid] = LEFT_LOOP
            elif phones.get(cid) and phones[cid] in stopped:
                out[cid] = SMS_STOP
            elif cid not in open_chat and not phones.get(cid):
                out[cid] = UNREACHABLE
    return out


def target(
    *, session: Session, principal: Principal, audience: Audience, now: dt.datetime | None = None
) -> Selection:
    """The audience with exclusions applied: who will receive it, who not and why."""
    chosen = select_audience(session=session, principal=principal, audience=audience, now=now)
    excluded = exclusions(
        session=session, enterprise_id=principal.enterprise_id, customer_ids=chosen.eligible
    )
    eligible = [cid for cid in chosen.eligible if cid not in excluded]
    return Selection(eligible, {**chosen.excluded, **excluded})
