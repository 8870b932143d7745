"""The sandbox processor's hosted pages: plain server-rendered HTML, no app chrome.

These pages belong to the processor, not to Interplat: they are served here only because
the sandbox is built in, and only while it is the configured provider. The card number
and CVC are posted here, checked, and never echoed back, logged or stored.
"""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..services import payments, sandbox_checkout
from ..services.errors import DomainError
from ..services.money import format_money
from ..services.sandbox_cards import SHOWN_CARDS, CardRefused
from ..services.sandbox_processor import SandboxProcessor
from .deps import SessionDep

router = APIRouter(prefix="/sandbox", include_in_schema=False)
_STYLE = """
*{box-sizing:border-box}body{margin:0;font:16px/1.45 system-ui,-apple-system,sans-serif;
background:#f4f5f9;color:#1b1f2a}main{max-width:420px;margin:0 auto;padding:20px 16px 32px}
.badge{display:inline-block;background:#fff3cd;color:#7a5b00;border-radius:999px;padding:2px 10px;
font-size:13px;font-weight:600}.card{background:#fff;border-radius:14px;padding:20px;
box-shadow:0 1px 3px #0002;margin-top:14px}h1{font-size:15px;font-weight:600;margin:10px 0 0;
color:#4a5163}.amount{font-size:32px;font-weight:700;margin:4px 0 0}label{display:block;
font-size:14px;font-weight:600;margin:14px 0 6px}input{width:100%;font-size:17px;padding:12px;
border:1px solid #c9cdd8;border-radius:10px;background:#fff}.row{display:flex;gap:12px}
.row>div{flex:1}button{width:100%;margin-top:20px;font-size:17px;font-weight:600;padding:14px;
border:0;border-radius:10px;background:#3e63dd;color:#fff}button.fail{background:#e5484d}
.error{background:#ffefef;color:#b4232a;border-radius:10px;padding:10px 12px;margin-top:14px}
.note{font-size:13px;color:#5b6275;margin-top:16px}.note code{font-size:13px}
ul{padding-left:18px;margin:6px 0}
"""


def _processor() -> SandboxProcessor:
    provider = payments.get_provider()
    if not isinstance(provider, SandboxProcessor):
        raise _Gone("The sandbox processor is not in use on this deployment.")
    return provider


class _Gone(DomainError):
    code = "not_found"
    http_status = 404


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body><main>"
        f"<span class=badge>Sandbox</span>{body}</main></body></html>",
        status_code=status,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def _message(title: str, text: str, status: int) -> HTMLResponse:
    body = f"<div class=card><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></div>"
    return _page(title, body, status)


def _form(checkout_id: str, session: SessionDep, error: str = "", expiry: str = "") -> Response:
    try:
        _processor()
        checkout = sandbox_checkout.open_checkout(session=session, checkout_id=checkout_id)
    except DomainError as exc:
        return _message("Checkout unavailable", exc.message, exc.http_status)
    setup = checkout.mode == "setup"
    action = (
        "Save card" if setup else f"Pay {format_money(checkout.amount_minor, checkout.currency)}"
    )
    heading = (
        "<h1>Save a card for later payments</h1>"
        if setup
        else f"<h1>{html.escape(checkout.description)}</h1>"
        f"<p class=amount>{format_money(checkout.amount_minor, checkout.currency)}</p>"
    )
    cards = "".join(f"<li><code>{n}</code> {html.escape(w)}</li>" for n, w in SHOWN_CARDS)
    problem = f"<div class=error role=alert>{html.escape(error)}</div>" if error else ""
    body = f"""<div class=card>{heading}{problem}
<form method=post autocomplete=off>
<label for=number>Card number</label>
<input id=number name=number inputmode=numeric autocomplete=cc-number placeholder="1234 1234 1234 1234" required>
<div class=row><div><label for=expiry>Expiry (MM/YY)</label>
<input id=expiry name=expiry inputmode=numeric autocomplete=cc-exp placeholder="MM/YY" value="{html.escape(expiry)}" required></div>
<div><label for=cvc>CVC</label>
<input id=cvc name=cvc inputmode=numeric autocomplete=cc-csc placeholder="123" required></div></div>
<label for=name>Name on card</label><input id=name name=name autocomplete=cc-name>
<button type=submit>{html.escape(action)}</button></form>
<div class=note><b>Sandbox: use a test card.</b> Any future expiry, any 3-digit CVC (4 for Amex).
<ul>{cards}</ul>No real card is charged; real card numbers are refused.</div></div>"""
    return _page(action, body, 400 if error else 200)


@router.get("/checkout/{checkout_id}", response_class=HTMLResponse)
def checkout_page(checkout_id: str, session: SessionDep) -> Response:
    """The hosted card form."""
    return _form(checkout_id, session)


@router.post("/checkout/{checkout_id}", response_class=HTMLResponse)
def submit_checkout(
    checkout_id: str,
    session: SessionDep,
    number: Annotated[str, Form()] = "",
    expiry: Annotated[str, Form()] = "",
    cvc: Annotated[str, Form()] = "",
) -> Response:
    """Pay (or save the card), then go back to the merchant or to a 3-D Secure challenge."""
    try:
        target = sandbox_checkout.submit_card(
            session=session, processor=_processor(), checkout_id=checkout_id,
            number=number, expiry=expiry, cvc=cvc,
        )  # fmt: skip
    except CardRefused as refused:
        session.rollback()
        return _form(checkout_id, session, refused.message, expiry[:7])
    except DomainError as exc:
        return _message("Checkout unavailable", exc.message, exc.http_status)
    return RedirectResponse(target, status_code=303)


@router.get("/challenge/{charge_id}", response_class=HTMLResponse)
def challenge_page(charge_id: str) -> Response:
    """A stand-in for the card issuer's 3-D Secure page."""
    body = """<div class=card><h1>3-D Secure test page</h1>
<p>Your bank asks you to confirm this payment. In the sandbox, choose the outcome.</p>
<form method=post><button name=action value=approve>Approve</button>
<button class=fail name=action value=fail>Fail authentication</button></form></div>"""
    return _page("3-D Secure", body)


@router.post("/challenge/{charge_id}", response_class=HTMLResponse)
def answer_challenge(
    charge_id: str, session: SessionDep, action: Annotated[str, Form()] = ""
) -> Response:
    """Record the payer's 3-D Secure answer and go back to the merchant."""
    try:
        target = sandbox_checkout.answer_challenge(
            session=session, processor=_processor(), charge_id=charge_id,
            approve=action == "approve",
        )  # fmt: skip
    except DomainError as exc:
        return _message("Payment unavailable", exc.message, exc.http_status)
    if not target:
        done = "approved" if action == "approve" else "not approved"
        return _message("Done", f"The payment was {done}. You can close this page.", 200)
    return RedirectResponse(target, status_code=303)
