"""The demo data a new user sees after ``make run`` (idempotent: safe to run again)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from ..models import (
    AutomatedKind,
    AutomatedMessage,
    Channel,
    Customer,
    Enterprise,
    MessageKind,
    ScheduleInterval,
    SenderKind,
    ShortLink,
    StoreLocation,
    Ticket,
    TicketStatus,
    User,
    utcnow,
)
from . import assist, automation, customers, enterprises, ivr, links, messages, tickets, users

DEMO_PASSWORD = "interplat-demo"

ENTERPRISES = [
    {
        "slug": "symphony",
        "name": "Symphony Financial, Inc.",
        "brand_name": "Symphony Financial",
        "tagline": "Banking in harmony with your life",
        "reference_prefix": "SYM",
        "primary_color": "#1F3A93",
        "accent_color": "#C9A227",
        "logo_url": "/brands/symphony.svg",
        "timezone": "America/Los_Angeles",
        "contact_phone": "+14155550100",
        "contact_email": "help@symphony.demo",
        # The IVR menu; the second number takes calls Symphony's own IVR forwards (chat).
        "numbers": [("+14155550199", "Main line", "ivr"), ("+14155550198", "Forwarded", "chat")],
        "ivr": {"agent_number": "+14155550100", "agent_mode": "dial"},
        "staff": [
            ("olivia@symphony.demo", "Olivia Grant", "owner"),
            ("carlos@symphony.demo", "Carlos Rivera", "csr"),
            ("priya@symphony.demo", "Priya Shah", "csr"),
        ],
        # Where "talk now" bridges each CSR's calls.
        "staff_phones": {
            "carlos@symphony.demo": "+14155550125",
            "priya@symphony.demo": "+14155550126",
        },
        "stores": [
            ("Downtown branch", "1 Market St", "San Francisco", "CA", 37.7937, -122.3950),
            ("Oakland branch", "1 Broadway", "Oakland", "CA", 37.7955, -122.2760),
        ],
        "customers": [
            ("+14155550132", "Dana", "Whitfield", "dana.whitfield@example.com"),
            ("+14155550147", "Marcus", "Lee", "marcus.lee@example.com"),
            ("+16505550161", "Aisha", "Karim", "aisha.karim@example.com"),
            ("+14155550178", "Peter", "Novak", "peter.novak@example.com"),
            ("+16505550193", "Grace", "Okafor", "grace.okafor@example.com"),
            ("+14155550114", "Omar", "Haddad", "omar.haddad@example.com"),
        ],
        "conversations": [
            (
                "waiting",
                Channel.IVR,
                ["Hi, I was just on the phone about a card payment that was declined."],
            ),
            ("waiting", Channel.WEBSITE, ["Can I raise the daily limit on my debit card?"]),
            (
                "assigned",
                Channel.IVR,
                [
                    "Hello, I need a copy of my last statement.",
                    "csr:Of course! I can send it right here in the chat. Which account?",
                    "The checking account ending 2231.",
                ],
            ),
            (
                "assigned",
                Channel.APP,
                [
                    "Is the Oakland branch open on Saturday?",
                    "csr:It is, from 9 am to 1 pm. Anything else I can help with?",
                ],
            ),
            (
                "resolved",
                Channel.IVR,
                [
                    "My new card has not arrived yet.",
                    "csr:I'm sorry about that. I've ordered a replacement by express mail.",
                    "Thank you, that's great!",
                ],
            ),
            ("abandoned", Channel.SMS, ["Hello? I have a question about my mortgage."]),
        ],
        "welcome": "Welcome to Symphony Financial, {first_name}! A specialist will be with you shortly.",
        # The automated assistant answers new web chats first: (name, keywords, reply).
        "assistant": (
            "Symphony Assistant",
            [
                (
                    "Balance",
                    ["balance"],
                    "You can check your balance any time in the Symphony app under Accounts, "
                    "or reply Live chat and a specialist will look it up with you.",
                ),
                (
                    "Lost or stolen card",
                    ["lost my card", "lost card", "stolen"],
                    "You can freeze your card right away in the Symphony app under Cards, "
                    "then Freeze card. Reply Live chat and a specialist will order a new one.",
                ),
            ],
        ),
    },
    {
        "slug": "ticket4me",
        "name": "Ticket4Me LLC",
        "brand_name": "Ticket4Me",
        "tagline": "Every seat, every show",
        "reference_prefix": "T4M",
        "primary_color": "#D64527",
        "accent_color": "#17A398",
        "logo_url": "/brands/ticket4me.svg",
        "timezone": "America/New_York",
        "contact_phone": "+12125550100",
        "contact_email": "support@ticket4me.demo",
        "numbers": [("+12125550199", "Box office", "ivr")],
        "ivr": {"agent_mode": "enqueue", "queue_name": "box-office"},
        "staff": [
            ("tom@ticket4me.demo", "Tom Becker", "owner"),
            ("tina@ticket4me.demo", "Tina Lopez", "csr"),
            ("max@ticket4me.demo", "Max Weber", "csr"),
        ],
        "staff_phones": {
            "tina@ticket4me.demo": "+12125550125",
            "max@ticket4me.demo": "+12125550126",
        },
        "stores": [
            ("Box office Midtown", "4 Penn Plaza", "New York", "NY", 40.7505, -73.9934),
        ],
        "customers": [
            ("+12125550187", "Leo", "Martins", "leo.martins@example.com"),
            ("+13125550199", "Sofia", "Rossi", "sofia.rossi@example.com"),
            ("+12125550121", "Ben", "Carter", "ben.carter@example.com"),
            ("+16465550154", "Yuki", "Tanaka", "yuki.tanaka@example.com"),
        ],
        "conversations": [
            ("waiting", Channel.IVR, ["My tickets for Friday's concert never arrived by email."]),
            (
                "assigned",
                Channel.SOCIAL,
                [
                    "Can I swap my seats to the balcony?",
                    "csr:Let me check what is available for you.",
                ],
            ),
            (
                "resolved",
                Channel.WEBSITE,
                [
                    "How do I get a refund for a cancelled show?",
                    "csr:Refunds go back to your card within 5 days. I've started it for you.",
                ],
            ),
            ("abandoned", Channel.IVR, ["Hi, is anyone there?"]),
        ],
        "welcome": "Hi {first_name}, thanks for contacting Ticket4Me! We'll be right with you.",
        "assistant": (
            "Ticket4Me Assistant",
            [
                (
                    "Refunds",
                    ["refund"],
                    "Refunds for a cancelled show go back to your card within 5 business days, "
                    "automatically. Reply Live chat if yours has not arrived.",
                ),
                (
                    "Missing tickets",
                    ["my tickets", "e-tickets", "resend"],
                    "Your e-tickets are in the Ticket4Me app under My Tickets. Reply Live chat "
                    "and a teammate will email them again.",
                ),
            ],
        ),
    },
]


@dataclass
class SeedSummary:
    created: list[str] = field(default_factory=list)
    customer_links: dict[str, str] = field(default_factory=dict)


def seed_demo(*, session: Session, now: dt.datetime | None = None) -> SeedSummary:
    """Create the two demo enterprises if missing; always return a working customer link."""
    now = now or utcnow()
    summary = SeedSummary()
    for spec in ENTERPRISES:
        enterprise = enterprises.find_enterprise_by_slug(session=session, slug=str(spec["slug"]))
        if enterprise is None:
            _seed_enterprise(session, spec, now)
            summary.created.append(str(spec["brand_name"]))
            enterprise = enterprises.find_enterprise_by_slug(
                session=session, slug=str(spec["slug"])
            )
        assert enterprise is not None
        _ensure_phone_numbers(session, enterprise.id, spec)
        _ensure_staff_phones(session, enterprise.id, spec)
        summary.customer_links[enterprise.brand_name] = _demo_link_code(session, enterprise.id, now)
    return summary


def _ensure_phone_numbers(session: Session, enterprise_id: uuid.UUID, spec: dict[str, Any]) -> None:
    """The demo numbers and IVR settings (also added to a database seeded before them)."""
    have = {
        row.number for row in ivr.list_phone_numbers(session=session, enterprise_id=enterprise_id)
    }
    for number, label, purpose in spec["numbers"]:
        if number not in have:
            ivr.add_phone_number(
                session=session,
                enterprise_id=enterprise_id,
                number=number,
                label=label,
                purpose=purpose,
            )
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is not None and not enterprise.ivr_settings:
        ivr.update_ivr_settings(session=session, enterprise_id=enterprise_id, changes=spec["ivr"])


def _ensure_staff_phones(session: Session, enterprise_id: uuid.UUID, spec: dict[str, Any]) -> None:
    """The demo CSRs' own phones (also given to a database seeded before them)."""
    for email, phone in spec["staff_phones"].items():
        user = session.exec(
            select(User).where(User.enterprise_id == enterprise_id, User.email == email)
        ).first()
        if user is not None and not user.phone:
            user.phone = phone
            session.add(user)


def _seed_enterprise(session: Session, spec: dict[str, Any], now: dt.datetime) -> None:
    keys = ("slug", "name", "brand_name", "reference_prefix", "timezone")
    brand_keys = (
        "tagline",
        "primary_color",
        "accent_color",
        "logo_url",
        "contact_phone",
        "contact_email",
    )
    enterprise = enterprises.create_enterprise(
        session=session, **{k: spec[k] for k in keys}, **{k: spec[k] for k in brand_keys}
    )
    listing = enterprises.default_listing(session=session, enterprise_id=enterprise.id)
    staff = [
        users.create_user(
            session=session,
            enterprise_id=enterprise.id,
            email=email,
            full_name=name,
            role=role,
            password=DEMO_PASSWORD,
        )
        for email, name, role in spec["staff"]
    ]
    csrs = [u for u in staff if u.role == "csr"]
    for name, address, city, region, lat, lng in spec["stores"]:
        session.add(
            StoreLocation(
                enterprise_id=enterprise.id,
                name=name,
                address=address,
                city=city,
                region=region,
                latitude=lat,
                longitude=lng,
            )
        )
    for weekday in range(5):
        for start, end in ((8 * 60, 12 * 60), (13 * 60, 18 * 60)):
            session.add(
                ScheduleInterval(
                    enterprise_id=enterprise.id,
                    listing_id=listing.id,
                    weekday=weekday,
                    start_minute=start,
                    end_minute=end,
                )
            )
    session.add(
        AutomatedMessage(
            enterprise_id=enterprise.id,
            listing_id=listing.id,
            kind=AutomatedKind.WELCOME,
            body=spec["welcome"],
        )
    )
    people = [
        customers.find_or_create_customer(
            session=session,
            enterprise_id=enterprise.id,
            phone=phone,
            first_name=first,
            last_name=last,
            email=email,
        )[0]
        for phone, first, last, email in spec["customers"]
    ]
    for i, (state, source, lines) in enumerate(spec["conversations"]):
        started = now - dt.timedelta(hours=2 * (len(spec["conversations"]) - i), minutes=7 * i)
        _seed_conversation(
            session,
            enterprise.id,
            listing.id,
            people[i],
            csrs[i % len(csrs)],
            state,
            source,
            lines,
            started,
        )
    # After the seeded conversations, which show tickets a person already handles.
    _seed_assistant(session, enterprise.id, listing.id, spec["assistant"])


def _seed_assistant(
    session: Session,
    enterprise_id: uuid.UUID,
    listing_id: uuid.UUID,
    spec: tuple[str, list[tuple[str, list[str], str]]],
) -> None:
    """Switch the listing's automated assistant on, with a rule per common question."""
    name, rules = spec
    enterprises.update_listing(
        session=session,
        enterprise_id=enterprise_id,
        listing_id=listing_id,
        assistant_enabled=True,
        assistant_name=name,
    )
    for title, keywords, reply in rules:
        assist.create_rule(
            session=session,
            enterprise_id=enterprise_id,
            listing_id=listing_id,
            name=title,
            keywords=keywords,
            replies=[reply],
        )


def _seed_conversation(
    session: Session,
    enterprise_id: uuid.UUID,
    listing_id: uuid.UUID,
    customer: Customer,
    csr: User,
    state: str,
    source: Channel,
    lines: list[str],
    started: dt.datetime,
) -> None:
    ticket, _ = tickets.open_ticket(
        session=session,
        enterprise_id=enterprise_id,
        customer_id=customer.id,
        source=source,
        listing_id=listing_id,
        now=started,
    )
    # The customer opened the chat link right away: the welcome comes first in the thread.
    automation.send_welcome(session=session, ticket=ticket, now=started)
    clock = started
    for line in lines:
        clock += dt.timedelta(minutes=2)
        if line.startswith("csr:"):
            if ticket.status == TicketStatus.WAITING:
                tickets.assign_ticket(
                    session=session,
                    ticket=ticket,
                    user_id=csr.id,
                    now=clock - dt.timedelta(minutes=1),
                )
            messages.post_message(
                session=session,
                ticket=ticket,
                sender_kind=SenderKind.CSR,
                sender_user_id=csr.id,
                body=line[4:],
                now=clock,
            )
        else:
            messages.post_message(
                session=session,
                ticket=ticket,
                sender_kind=SenderKind.CUSTOMER,
                body=line,
                kind=MessageKind.TEXT,
                now=clock,
            )
    clock += dt.timedelta(minutes=3)
    if state in ("assigned", "resolved") and ticket.status == TicketStatus.WAITING:
        tickets.assign_ticket(session=session, ticket=ticket, user_id=csr.id, now=clock)
    if state == "resolved":
        tickets.end_ticket(
            session=session,
            ticket=ticket,
            outcome=TicketStatus.RESOLVED,
            actor_user_id=csr.id,
            now=clock,
        )
        tickets.rate_ticket(
            session=session,
            ticket=ticket,
            rating=5,
            comment="Quick and friendly.",
            now=clock + dt.timedelta(minutes=1),
        )
    elif state == "abandoned":
        tickets.end_ticket(
            session=session,
            ticket=ticket,
            outcome=TicketStatus.ABANDONED,
            now=clock + dt.timedelta(minutes=30),
        )


def _demo_link_code(session: Session, enterprise_id: uuid.UUID, now: dt.datetime) -> str:
    """A live link to the enterprise's first waiting demo ticket (renewed when expired)."""
    ticket = session.exec(
        select(Ticket)
        .where(Ticket.enterprise_id == enterprise_id, Ticket.status == TicketStatus.WAITING)
        .order_by(col(Ticket.number))
    ).first()
    if ticket is None:
        return ""
    link = session.exec(
        select(ShortLink)
        .where(ShortLink.ticket_id == ticket.id, col(ShortLink.revoked_at).is_(None))
        .order_by(col(ShortLink.created_at).desc())
    ).first()
    if link is None or (link.expires_at is not None and link.expires_at <= now):
        link = links.create_short_link(
            session=session,
            enterprise_id=enterprise_id,
            channel=Channel.SMS,
            ticket_id=ticket.id,
            customer_id=ticket.customer_id,
            ttl=dt.timedelta(days=30),
            now=now,
        )
    return link.code


def demo_logins(session: Session) -> list[tuple[str, str, str]]:
    """(enterprise, email, role) of every demo account, for the README and the run banner."""
    rows = session.exec(select(User).where(col(User.email).like("%.demo"))).all()
    return [(str(u.enterprise_id), u.email, u.role) for u in rows]
