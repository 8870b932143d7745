"""Enterprises (tenants) and the brand their customer pages wear."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlmodel import Session, select

from ..models import Enterprise, Listing
from .errors import Conflict, NotFound, ValidationFailed

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
PREFIX_RE = re.compile(r"^[A-Z][A-Z0-9]{1,5}$")
COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
BRAND_FIELDS = frozenset(
    {
        "tagline",
        "description",
        "logo_url",
        "banner_url",
        "primary_color",
        "accent_color",
        "contact_email",
        "contact_phone",
        "website_url",
        "address",
    }
)


@dataclass(frozen=True)
class BrandPublic:
    """What a customer page needs to look like the enterprise."""

    enterprise_id: str
    slug: str
    brand_name: str
    tagline: str
    logo_url: str
    primary_color: str
    accent_color: str


def create_enterprise(
    *,
    session: Session,
    slug: str,
    name: str,
    brand_name: str,
    reference_prefix: str,
    timezone: str = "UTC",
    **brand: str,
) -> Enterprise:
    """A new tenant with its default listing."""
    if not SLUG_RE.match(slug):
        raise ValidationFailed("Use lowercase letters, digits and dashes.", field="slug")
    if not PREFIX_RE.match(reference_prefix):
        raise ValidationFailed(
            "The reference prefix is 2–6 capital letters or digits.", field="reference_prefix"
        )
    unknown = set(brand) - BRAND_FIELDS
    if unknown:
        raise ValueError(f"unknown brand fields: {sorted(unknown)}")
    for key in ("primary_color", "accent_color"):
        if key in brand and not COLOR_RE.match(brand[key]):
            raise ValidationFailed("Colours are written #RRGGBB.", field=key)
    taken = session.exec(
        select(Enterprise).where(
            (Enterprise.slug == slug) | (Enterprise.reference_prefix == reference_prefix)
        )
    ).first()
    if taken is not None:
        raise Conflict("That slug or reference prefix is already used.")
    enterprise = Enterprise(
        slug=slug,
        name=name,
        brand_name=brand_name,
        reference_prefix=reference_prefix,
        timezone=timezone,
    )
    for key, value in brand.items():
        setattr(enterprise, key, value)
    session.add(enterprise)
    session.add(
        Listing(enterprise_id=enterprise.id, name=brand_name, timezone=timezone, is_default=True)
    )
    session.flush()
    return enterprise


def get_enterprise(*, session: Session, enterprise_id: uuid.UUID) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound("Enterprise not found.")
    return enterprise


def find_enterprise_by_slug(*, session: Session, slug: str) -> Enterprise | None:
    return session.exec(select(Enterprise).where(Enterprise.slug == slug)).first()


def default_listing(*, session: Session, enterprise_id: uuid.UUID) -> Listing:
    listing = session.exec(
        select(Listing).where(Listing.enterprise_id == enterprise_id, Listing.is_default)
    ).first()
    if listing is None:
        raise NotFound("The enterprise has no default listing.")
    return listing


def get_listing(*, session: Session, enterprise_id: uuid.UUID, listing_id: uuid.UUID) -> Listing:
    """A listing of the enterprise (another tenant's is ``NotFound``)."""
    listing = session.get(Listing, listing_id)
    if listing is None or listing.enterprise_id != enterprise_id:
        raise NotFound("Listing not found.")
    return listing


MAX_ABANDON_MINUTES = 7 * 24 * 60
MAX_ASSISTANT_NAME_LENGTH = 60


def update_listing(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    listing_id: uuid.UUID,
    name: str | None = None,
    abandon_after_minutes: int | None = None,
    assistant_enabled: bool | None = None,
    assistant_name: str | None = None,
) -> Listing:
    """Rename a listing, change how long a silent customer's ticket stays open (0: never
    ends), or switch its automated assistant on or off and name it (``None``: unchanged).

    The assistant answers chats opened after it is switched on; chats it already holds
    keep it until they are handed off.
    """
    listing = get_listing(session=session, enterprise_id=enterprise_id, listing_id=listing_id)
    if assistant_name is not None:
        cleaned = " ".join(assistant_name.split())
        if not 1 <= len(cleaned) <= MAX_ASSISTANT_NAME_LENGTH or not cleaned.isprintable():
            raise ValidationFailed(
                f"The assistant's name has 1–{MAX_ASSISTANT_NAME_LENGTH} characters.",
                field="assistant_name",
            )
        listing.assistant_name = cleaned
    if assistant_enabled is not None:
        listing.assistant_enabled = bool(assistant_enabled)
    if name is not None:
        if not 1 <= len(name.strip()) <= 200:
            raise ValidationFailed("A listing name has 1–200 characters.", field="name")
        listing.name = name.strip()
    if abandon_after_minutes is not None:
        if not 0 <= abandon_after_minutes <= MAX_ABANDON_MINUTES:
            raise ValidationFailed(
                "Abandonment is 0 (never) to 10,080 minutes (a week).",
                field="abandon_after_minutes",
            )
        listing.abandon_after_minutes = abandon_after_minutes
    session.add(listing)
    session.flush()
    return listing


def brand_of(enterprise: Enterprise) -> BrandPublic:
    return BrandPublic(
        enterprise_id=str(enterprise.id),
        slug=enterprise.slug,
        brand_name=enterprise.brand_name,
        tagline=enterprise.tagline,
        logo_url=enterprise.logo_url,
        primary_color=enterprise.primary_color,
        accent_color=enterprise.accent_color,
    )
