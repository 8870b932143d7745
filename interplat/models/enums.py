"""Closed vocabularies stored as short strings (portable across SQLite and PostgreSQL)."""

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    CSR = "csr"


class Presence(StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


class TicketStatus(StrEnum):
    WAITING = "waiting"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"
    ABANDONED = "abandoned"


OPEN_TICKET_STATUSES = (TicketStatus.WAITING, TicketStatus.ASSIGNED)


class Channel(StrEnum):
    """Where a conversation came from (the dashboard's conversion sources)."""

    IVR = "ivr"
    APP = "app"
    WEBSITE = "website"
    SOCIAL = "social"
    EMAIL = "email"
    SMS = "sms"
    QR = "qr"
    ENTERPRISE_APP = "enterprise_app"


class SenderKind(StrEnum):
    CUSTOMER = "customer"
    CSR = "csr"
    SYSTEM = "system"
    ASSISTANT = "assistant"


class MessageKind(StrEnum):
    TEXT = "text"
    VOICE = "voice"
    IMAGE = "image"
    VIDEO = "video"
    FILE = "file"
    OFFER = "offer"
    PAYMENT_REQUEST = "payment_request"
    SYSTEM = "system"


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


class AutomatedKind(StrEnum):
    WELCOME = "welcome"
    INACTIVITY = "inactivity"
    OFFLINE = "offline"
    AFTER_HOURS = "after_hours"


class OfferStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class PaymentRequestStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    VIEWED = "viewed"
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class OutboxStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    CANCELED = "canceled"  # not sent on purpose (e.g. an app fallback the customer beat)
