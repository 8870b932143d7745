"""Payment providers' webhooks: verified on the raw body, applied once.

Point the provider at ``POST {base}/api/payments/webhooks/<provider>`` (``stripe`` in the
Stripe dashboard; the built-in sandbox posts to ``…/sandbox`` itself). A bad signature is
a 400 and changes nothing; a redelivered event is a 200 that changes nothing.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from ..services import payments
from ..services.errors import NotFound, ValidationFailed
from ..services.payment_provider import InvalidWebhook
from .deps import SessionDep

log = logging.getLogger(__name__)
router = APIRouter(prefix="/payments", tags=["Payments"])


class WebhookAnswer(BaseModel):
    received: bool
    changed: bool  # false for a redelivery or an event Interplat does not act on


@router.post("/webhooks/{provider}", response_model=WebhookAnswer)
async def provider_webhook(provider: str, request: Request, session: SessionDep) -> WebhookAnswer:
    """A payment provider's signed notification (the raw body is what is verified)."""
    current = payments.get_provider()
    if provider != current.name:
        raise NotFound("This deployment takes no webhooks from that provider.")
    payload = await request.body()
    try:
        event = current.parse_webhook(payload=payload, headers=request.headers)
    except InvalidWebhook as exc:
        log.warning("refused a %s webhook: %s", provider, exc)
        raise ValidationFailed("The webhook signature is not valid.") from exc
    changed = await run_in_threadpool(payments.apply_webhook, session=session, event=event)
    return WebhookAnswer(received=True, changed=changed)
