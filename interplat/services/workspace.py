"""What every staff page's header and dashboard show live: queue counts, team presence and
the oldest waiting conversations."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass

from sqlmodel import Session, func, select

from ..models import Ticket, TicketStatus
from . import queue, tickets, users

WAITING_SHOWN = 8


@dataclass(frozen=True)
class WorkspaceSnapshot:
    counts: dict[str, int]
    team: list[dict[str, str]]
    waiting: list[dict[str, str]]

    @property
    def unserved(self) -> int:
        return self.counts.get("waiting", 0)


def workspace_snapshot(*, session: Session, enterprise_id: uuid.UUID) -> WorkspaceSnapshot:
    """Queue counts, team presence and the queue's head for one enterprise (four small
    queries)."""
    waiting = queue.waiting_previews(
        session=session, enterprise_id=enterprise_id, limit=WAITING_SHOWN
    )
    return WorkspaceSnapshot(
        counts=_queue_counts(session, enterprise_id),
        team=[asdict(m) for m in users.list_team(session=session, enterprise_id=enterprise_id)],
        waiting=[
            {
                "ticket_id": w.ticket_id,
                "reference": w.reference,
                "customer_name": w.customer_name,
                "source": str(w.source),
                "waiting_since": w.waiting_since.isoformat() if w.waiting_since else "",
                "last_message": w.last_message,
                "with_assistant": "1" if w.with_assistant else "",
            }
            for w in waiting
        ],
    )


def _queue_counts(session: Session, enterprise_id: uuid.UUID) -> dict[str, int]:
    """Tickets per status, where "waiting" counts only people waiting for a person: the
    chats the automated assistant still holds count apart, as "with_assistant"."""
    counts = tickets.status_counts(session=session, enterprise_id=enterprise_id)
    held = session.exec(
        select(func.count())
        .select_from(Ticket)
        .where(
            Ticket.enterprise_id == enterprise_id,
            Ticket.status == TicketStatus.WAITING,
            Ticket.assistant_state == queue.ASSISTANT_ACTIVE,
        )
    ).one()
    counts["waiting"] = counts.get("waiting", 0) - int(held)
    counts["with_assistant"] = int(held)
    return counts
