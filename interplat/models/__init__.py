"""Every table of Interplat; importing this module registers them all on SQLModel.metadata."""

from .audit import AuditEntry
from .automation import (
    AssistedResponseRule,
    AutomatedMessage,
    AutomatedMessageSent,
    CannedContent,
    Holiday,
    ScheduleInterval,
)
from .base import UTCDateTime, utcnow
from .customers import Customer, LoopMembership
from .enterprise import Enterprise, Listing, PhoneNumber, StoreLocation
from .enums import (
    OPEN_TICKET_STATUSES,
    AutomatedKind,
    Channel,
    DeliveryState,
    MessageKind,
    OfferStatus,
    OutboxStatus,
    PaymentRequestStatus,
    PaymentStatus,
    Presence,
    Role,
    SenderKind,
    TicketStatus,
)
from .offers import BlastRecipient, ChatBlast, Offer, OfferClaim
from .payments import (
    Payment,
    PaymentLineItem,
    PaymentRequest,
    ProviderEvent,
    Receipt,
    Refund,
    SavedCard,
    ThreadMarker,
)
from .telephony import CallLog, IvrClient, OutboxMessage, ShortLink, SmsLog, SmsSuppression
from .tickets import Attachment, Message, Ticket, TicketEvent
from .users import ApiToken, User, UserSession

__all__ = [
    "OPEN_TICKET_STATUSES",
    "ApiToken",
    "AssistedResponseRule",
    "Attachment",
    "AuditEntry",
    "AutomatedKind",
    "AutomatedMessage",
    "AutomatedMessageSent",
    "BlastRecipient",
    "CallLog",
    "CannedContent",
    "Channel",
    "ChatBlast",
    "Customer",
    "DeliveryState",
    "Enterprise",
    "Holiday",
    "IvrClient",
    "Listing",
    "LoopMembership",
    "Message",
    "MessageKind",
    "Offer",
    "OfferClaim",
    "OfferStatus",
    "OutboxMessage",
    "OutboxStatus",
    "Payment",
    "PaymentLineItem",
    "PaymentRequest",
    "PaymentRequestStatus",
    "PaymentStatus",
    "PhoneNumber",
    "Presence",
    "ProviderEvent",
    "Receipt",
    "Refund",
    "Role",
    "SavedCard",
    "ScheduleInterval",
    "SenderKind",
    "ShortLink",
    "SmsLog",
    "SmsSuppression",
    "StoreLocation",
    "Ticket",
    "TicketEvent",
    "TicketStatus",
    "UTCDateTime",
    "User",
    "UserSession",
    "ThreadMarker",
    "utcnow",
]
