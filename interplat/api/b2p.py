"""B2P messages over REST: a back office sends a message or an offer to its customers."""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ..services import b2p
from .deps import SessionDep, WorkspaceDep
from .errors import ErrorBody, ErrorResponse

router = APIRouter(prefix="/v1/b2p", tags=["b2p"])

# One bucket per bearer token: 20 calls at once, then one every two seconds.
_limiter = b2p.TokenBucket(capacity=20, per_second=0.5)


class B2PMessageIn(BaseModel):
    listing: uuid.UUID = Field(description="One of your listings: the conversation's home")
    recipients: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1,
        max_length=b2p.MAX_RECIPIENTS,
        description="Customer ids or phone numbers (E.164 or national) of your customers",
        examples=[["+14155550132"]],
    )
    message: str = Field("", max_length=1000, description="The text; optional with an offer")
    offer: uuid.UUID | None = Field(None, description="A published, unexpired offer of yours")


class RecipientResult(BaseModel):
    recipient: str
    status: Literal["sent", "excluded"]
    message_id: uuid.UUID | None = Field(
        None, description="The message in the customer's thread (the offer card, if any)"
    )
    reason: str = Field(
        "",
        description="Why not sent: left the loop, SMS STOP, no way to reach, unknown customer",
    )


class B2PMessageOut(BaseModel):
    results: list[RecipientResult]


def rate_limit(request: Request, principal: WorkspaceDep) -> None:
    """Spend one call from the caller's bucket (keyed by a digest of their token)."""
    token = request.headers.get("authorization", "")
    key = hashlib.sha256(token.encode()).hexdigest()
    _limiter.take(f"{principal.enterprise_id}:{key}")


_TOO_MANY: dict[int | str, dict[str, Any]] = {
    429: {
        "model": ErrorResponse,
        "description": "Rate limited: wait `Retry-After` seconds",
        "headers": {
            "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}
        },
    }
}


@router.post(
    "/messages",
    response_model=B2PMessageOut,
    responses=_TOO_MANY,
    dependencies=[Depends(rate_limit)],
)
def send_messages(
    body: B2PMessageIn, session: SessionDep, principal: WorkspaceDep
) -> B2PMessageOut:
    """Send a message or an offer into your customers' chats.

    Each recipient who may receive marketing gets it in their open chat, or in a new
    conversation whose link is texted to them (held until the end of your quiet hours).
    Customers who left your loop, texted STOP, cannot be reached or are not yours are
    skipped: their result says `excluded` with the reason. Rate limited per token
    (429 with `Retry-After`).
    """
    outcomes = b2p.send_b2p(
        session=session,
        principal=principal,
        listing_id=body.listing,
        recipients=body.recipients,
        message=body.message,
        offer_id=body.offer,
    )
    return B2PMessageOut(
        results=[
            RecipientResult(
                recipient=o.recipient, status=o.status, message_id=o.message_id, reason=o.reason
            )
            for o in outcomes
        ]
    )


async def too_many(_: Request, exc: Exception) -> JSONResponse:
    """A 429 in the usual error shape, with the wait in ``Retry-After``."""
    if not isinstance(exc, b2p.RateLimited):  # registered for RateLimited only
        raise exc
    body = ErrorResponse(error=ErrorBody(code=exc.code, message=exc.message))
    return JSONResponse(
        body.model_dump(), status_code=429, headers={"Retry-After": str(exc.retry_after)}
    )
