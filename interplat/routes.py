"""Every URL of the app in one place, so pages, SMS texts and tests agree."""

from __future__ import annotations

from dataclasses import dataclass

from .services.access import Permission

LOGIN = "/login"
DASHBOARD = "/dashboard"
TICKETS = "/tickets"
CHATS = "/chats"
LOOP = "/loop"
OFFERS = "/offers"
# The offer wizard: a new offer, or one to edit (?offer=<id>).
OFFER_NEW = "/offers/new"
OFFER_EDIT = "/offers/edit"
BLASTS = "/blasts"
PAYMENTS = "/payments"
SETTINGS = "/settings"
CUSTOMER_CHAT = "/c/[link_code]"
# The customer app: the enterprise directory and an enterprise's public offers (no login).
DIRECTORY = "/chat"
PUBLIC_OFFERS = "/chat/[enterprise_slug]/offers"
# The customer's bill (its link is the capability), receipt and wallet (no login).
BILL = "/bill/[token]"
RECEIPT = "/receipt/[token]"
WALLET = "/wallet/[token]"
API_PREFIX = "/api"
DEV_PHONE = "/dev/phone"
# Twilio webhooks (configure these on the Twilio number)
TWILIO_VOICE = "/api/twilio/voice"
TWILIO_VOICE_MENU = "/api/twilio/voice/menu"
TWILIO_VOICE_STATUS = "/api/twilio/voice/status"
TWILIO_VOICE_TALK_STATUS = "/api/twilio/voice/talk-status"  # "talk now" calls
TWILIO_SMS = "/api/twilio/sms"
TWILIO_SMS_STATUS = "/api/twilio/sms/status"


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    icon: str
    permission: Permission


STAFF_NAV = (
    NavItem("Dashboard", DASHBOARD, "layout-dashboard", Permission.WORKSPACE),
    NavItem("Tickets", TICKETS, "ticket", Permission.WORKSPACE),
    NavItem("Chats", CHATS, "messages-square", Permission.WORKSPACE),
    NavItem("My loop", LOOP, "users", Permission.WORKSPACE),
    NavItem("Offers", OFFERS, "tag", Permission.WORKSPACE),
    NavItem("Blasts", BLASTS, "megaphone", Permission.WORKSPACE),
    NavItem("Payments", PAYMENTS, "credit-card", Permission.WORKSPACE),
    NavItem("Settings", SETTINGS, "settings", Permission.EDIT_SETTINGS),
)


def workspace_chat_path(ticket_id: object) -> str:
    """The CSR's chat workspace with one ticket's chat open."""
    return f"{CHATS}?ticket={ticket_id}"


def offer_edit_path(offer_id: object) -> str:
    """The offer wizard open on one saved offer."""
    return f"{OFFER_EDIT}?offer={offer_id}"


def blast_offer_path(offer_id: object) -> str:
    """The blasts page with a new blast of this offer started."""
    return f"{BLASTS}?offer={offer_id}"


def chat_path(link_code: str) -> str:
    """Path of the branded customer chat behind a short link."""
    return f"/c/{link_code}"


def wallet_path(bill_token: str) -> str:
    """The wallet of a bill's customer, reached from that bill."""
    return f"/wallet/{bill_token}"


def public_offers_path(slug: str) -> str:
    """An enterprise's current offers, as the directory links them."""
    return f"{DIRECTORY}/{slug}/offers"


def chat_url(base_url: str, link_code: str) -> str:
    """Absolute URL for SMS, email and QR codes."""
    return base_url.rstrip("/") + chat_path(link_code)


def login_path(next_path: str = "") -> str:
    return f"{LOGIN}?next={next_path}" if next_path else LOGIN
