"""A chat blast's progress and figures: sent, delivered, opened, claimed, and exclusions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import BlastRecipient, ChatBlast, Message, OfferClaim, OutboxMessage, OutboxStatus
from .access import require_workspace
from .auth import Principal


def progress(session: Session, blast_id: uuid.UUID) -> tuple[int, int]:
    """(recipients done — sent or skipped —, recipients in all)."""
    r = BlastRecipient.__table__  # type: ignore[attr-defined]
    row = session.execute(
        sa.select(sa.func.count(sa.case((r.c.status != "pending", 1))), sa.func.count()).where(
            r.c.blast_id == blast_id
        )
    ).one()
    return int(row[0]), int(row[1])


@dataclass(frozen=True)
class BlastStats:
    total: int = 0
    done: int = 0
    sent: int = 0
    delivered: int = 0
    opened: int = 0
    claimed: int = 0
    excluded: dict[str, int] = field(default_factory=dict)


def blast_stats(
    *, session: Session, enterprise_id: uuid.UUID, blast_ids: list[uuid.UUID]
) -> dict[uuid.UUID, BlastStats]:
    """Per blast: sent; delivered (on the customer's screen, or its SMS delivered); opened
    (the customer had the chat open: the message was read); claimed (offer claims)."""
    if not blast_ids:
        return {}
    r, m = BlastRecipient.__table__, Message.__table__  # type: ignore[attr-defined]
    o, c = OutboxMessage.__table__, OfferClaim.__table__  # type: ignore[attr-defined]
    sms_delivered = sa.exists().where(
        o.c.ticket_id == m.c.ticket_id,
        o.c.created_at >= r.c.sent_at,
        o.c.status == OutboxStatus.DELIVERED,
    )
    delivered = sa.or_(m.c.delivered_at.is_not(None), sms_delivered)
    claimed = sa.exists().where(c.c.blast_id == r.c.blast_id, c.c.customer_id == r.c.customer_id)
    rows = session.execute(
        sa.select(
            r.c.blast_id,
            sa.func.count(),
            sa.func.count(sa.case((r.c.status != "pending", 1))),
            sa.func.count(sa.case((r.c.status == "sent", 1))),
            sa.func.count(sa.case((sa.and_(r.c.status == "sent", delivered), 1))),
            sa.func.count(sa.case((m.c.read_at.is_not(None), 1))),
            sa.func.count(sa.case((claimed, 1))),
        )
        .select_from(r.outerjoin(m, m.c.id == r.c.message_id))
        .where(r.c.enterprise_id == enterprise_id, r.c.blast_id.in_(blast_ids))
        .group_by(r.c.blast_id)
    ).all()
    reasons: dict[uuid.UUID, dict[str, int]] = {}
    for blast_id, why, n in session.execute(
        sa.select(r.c.blast_id, r.c.excluded_reason, sa.func.count())
        .where(r.c.blast_id.in_(blast_ids), r.c.status == "excluded")
        .group_by(r.c.blast_id, r.c.excluded_reason)
        .order_by(sa.func.count().desc())
    ).all():
        reasons.setdefault(blast_id, {})[why] = int(n)
    out = {}
    for blast_id, total, done, sent, delivered_n, opened, claimed_n in rows:
        out[blast_id] = BlastStats(
            total=int(total),
            done=int(done),
            sent=int(sent),
            delivered=int(delivered_n),
            opened=int(opened),
            claimed=int(claimed_n),
            excluded=reasons.get(blast_id, {}),
        )
    return out


def list_blasts(
    *, session: Session, principal: Principal, limit: int = 50
) -> list[tuple[ChatBlast, BlastStats]]:
    """The enterprise's blasts, newest first, with their figures."""
    require_workspace(principal)
    found = session.exec(
        select(ChatBlast)
        .where(ChatBlast.enterprise_id == principal.enterprise_id)
        .order_by(col(ChatBlast.created_at).desc())
        .limit(limit)
    ).all()
    stats = blast_stats(
        session=session, enterprise_id=principal.enterprise_id, blast_ids=[b.id for b in found]
    )
    return [(b, stats.get(b.id, BlastStats())) for b in found]
