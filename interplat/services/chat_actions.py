"""What a CSR does in a chat: reply, attach, take, end, release, forward; and typing.

Only the CSR a chat is assigned to replies in it or acts on it (admins and owners too,
to rescue a colleague's chat); anyone on the team may read it.
"""

from __future__ import annotations

import threading
import time
import uuid

from sqlmodel import Session

from ..models import OPEN_TICKET_STATUSES, Role, SenderKind, Ticket, TicketStatus
from . import attachments, messages, queue, tickets
from .auth import Principal
from .chat_workspace import staff_user
from .errors import Conflict, PermissionDenied, ValidationFailed
from .events import DomainEvent, get_bus

TYPING = "chat.typing"
TYPING_EVERY = 2.0  # seconds between two typing signals of one sender in one chat


def my_open_ticket(*, session: Session, principal: Principal, ticket_id: uuid.UUID) -> Ticket:
    """An open ticket the principal may act on.

    Raises:
        NotFound: not in the principal's enterprise.
        PermissionDenied: assigned to someone else (and the principal is no admin).
        Conflict: the conversation has ended.
    """
    user_id = staff_user(principal)
    ticket = tickets.get_ticket(
        session=session, enterprise_id=principal.enterprise_id, ticket_id=ticket_id
    )
    if ticket.status not in OPEN_TICKET_STATUSES:
        raise Conflict("This conversation has ended.")
    supervisor = principal.role in (Role.ADMIN, Role.OWNER)
    if ticket.assignee_id != user_id and not supervisor:
        raise PermissionDenied("This chat is not assigned to you.")
    return ticket


def send_reply(
    *, session: Session, principal: Principal, ticket_id: uuid.UUID, body: str
) -> messages.MessagePublic:
    """A text from the CSR to the customer."""
    ticket = my_open_ticket(session=session, principal=principal, ticket_id=ticket_id)
    message = messages.post_message(
        session=session,
        ticket=ticket,
        sender_kind=SenderKind.CSR,
        body=body,
        sender_user_id=principal.user_id,
    )
    return messages.to_public(message, principal.full_name)


def send_attachment(
    *, session: Session, principal: Principal, ticket_id: uuid.UUID, data: bytes, filename: str
) -> messages.MessagePublic:
    """An image, a video or a file from the CSR (type checked from the bytes)."""
    ticket = my_open_ticket(session=session, principal=principal, ticket_id=ticket_id)
    message = attachments.post_attachment_message(
        session=session,
        ticket=ticket,
        sender_kind=SenderKind.CSR,
        data=data,
        filename=filename,
        sender_user_id=principal.user_id,
    )
    return messages.public_of(session, message, principal.full_name)


def take_ticket(*, session: Session, principal: Principal, ticket_id: uuid.UUID) -> Ticket:
    """Take one waiting ticket picked from the queue (the header's dropdown)."""
    user_id = staff_user(principal)
    ticket = tickets.get_ticket(
        session=session, enterprise_id=principal.enterprise_id, ticket_id=ticket_id
    )
    session.flush()  # a refresh would drop changes not yet written
    session.refresh(ticket, with_for_update=True)
    if ticket.status != TicketStatus.WAITING:
        raise Conflict("Someone else took this ticket first.")
    return tickets.assign_ticket(session=session, ticket=ticket, user_id=user_id)


def pull_next(*, session: Session, principal: Principal) -> uuid.UUID | None:
    """Take the oldest waiting ticket; ``None`` when nobody waits."""
    pulled = queue.pull_next_ticket(
        session=session, enterprise_id=principal.enterprise_id, user_id=staff_user(principal)
    )
    return pulled.id if pulled else None


def end_chat(
    *, session: Session, principal: Principal, ticket_id: uuid.UUID, outcome: str
) -> Ticket:
    """Close the chat as resolved or abandoned."""
    ticket = my_open_ticket(session=session, principal=principal, ticket_id=ticket_id)
    if outcome not in (TicketStatus.RESOLVED, TicketStatus.ABANDONED):
        raise ValidationFailed("A chat ends resolved or abandoned.", field="outcome")
    return tickets.end_ticket(
        session=session,
        ticket=ticket,
        outcome=TicketStatus(outcome),
        actor_user_id=principal.user_id,
    )


def release_chat(*, session: Session, principal: Principal, ticket_id: uuid.UUID) -> Ticket:
    """Give the chat back to the queue, at its head."""
    ticket = my_open_ticket(session=session, principal=principal, ticket_id=ticket_id)
    return queue.release_ticket(session=session, ticket=ticket, actor_user_id=principal.user_id)


def forward_chat(
    *, session: Session, principal: Principal, ticket_id: uuid.UUID, to_user_id: uuid.UUID
) -> Ticket:
    """Hand the chat to a colleague of the same enterprise."""
    ticket = my_open_ticket(session=session, principal=principal, ticket_id=ticket_id)
    if to_user_id == ticket.assignee_id:
        raise ValidationFailed("The chat is already theirs.", field="csr_id")
    queue.check_staff(session=session, enterprise_id=principal.enterprise_id, user_id=to_user_id)
    return tickets.assign_ticket(
        session=session, ticket=ticket, user_id=to_user_id, actor_user_id=principal.user_id
    )


_last_typing: dict[tuple[str, str], float] = {}
_typing_lock = threading.Lock()


def announce_typing(*, enterprise_id: uuid.UUID, ticket_id: uuid.UUID, sender_kind: str) -> bool:
    """Tell the other side someone is typing (at most every ``TYPING_EVERY`` seconds per
    sender and chat). Nothing is stored: a lost signal only hides a hint."""
    key = (str(ticket_id), sender_kind)
    now = time.monotonic()
    with _typing_lock:
        if now - _last_typing.get(key, -TYPING_EVERY) < TYPING_EVERY:
            return False
        _last_typing[key] = now
        if len(_last_typing) > 10_000:  # forget chats nobody types in any more
            for stale in [k for k, t in _last_typing.items() if now - t > 60]:
                del _last_typing[stale]
    get_bus().publish(
        DomainEvent(
            TYPING,
            str(enterprise_id),
            {"ticket_id": str(ticket_id), "sender_kind": sender_kind},
        )
    )
    return True
