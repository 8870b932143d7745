"""Talk now over REST: the CSR handling a ticket calls its customer."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel

from ..services import talk_now
from .deps import SessionDep, WorkspaceDep

router = APIRouter(prefix="/v1/tickets", tags=["calls"])

_CARRIER_REFUSED: dict[int | str, dict[str, Any]] = {
    502: {
        "description": "The carrier refused to place the call (the thread says it failed)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }
}


class CallOut(BaseModel):
    id: uuid.UUID
    ticket_id: uuid.UUID
    status: str
    customer_phone: str
    csr_phone: str
    from_number: str


@router.post(
    "/{ticket_id}/call",
    response_model=CallOut,
    status_code=status.HTTP_201_CREATED,
    responses=_CARRIER_REFUSED,
)
def start_call(ticket_id: uuid.UUID, session: SessionDep, principal: WorkspaceDep) -> CallOut:
    """Call the customer from the enterprise's number and bridge them to your phone.

    Only the signed-in representative the ticket is assigned to (a session token, not an
    API token) may; one call per ticket at a time. The thread records the start, and the
    end once the carrier reports it.
    """
    started = talk_now.start_call(session=session, principal=principal, ticket_id=ticket_id)
    return CallOut(
        id=started.call_id,
        ticket_id=started.ticket_id,
        status=started.status,
        customer_phone=started.customer_phone,
        csr_phone=started.csr_phone,
        from_number=started.from_number,
    )
