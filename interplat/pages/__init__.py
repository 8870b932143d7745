"""Every page and its route, title and on-load guard."""

from __future__ import annotations

import reflex as rx

from .. import routes
from ..services.access import Permission
from ..state.auth import AuthState
from ..state.bill import BillState
from ..state.blasts import BlastsState
from ..state.chats import ChatsState
from ..state.customer import CustomerChatState
from ..state.dev_phone import DevPhoneState
from ..state.directory import DirectoryState, PublicOffersState
from ..state.live import LiveState
from ..state.loop import LoopState
from ..state.offer_wizard import OfferWizardState
from ..state.offers import OffersState
from ..state.payments import PaymentsState
from ..state.receipt import ReceiptState
from ..state.tickets import TicketsState
from ..state.wallet import WalletState
from . import (
    bill,
    blasts,
    chats,
    customer_chat,
    dashboard,
    dev_phone,
    directory,
    login,
    loop,
    offer_wizard,
    offers,
    payments,
    public_offers,
    receipt,
    sections,
    tickets,
    wallet,
)

STAFF_PAGES = [
    (routes.DASHBOARD, "Dashboard", dashboard.dashboard_page, Permission.WORKSPACE),
    (routes.TICKETS, "Tickets", tickets.tickets_page, Permission.WORKSPACE),
    (routes.CHATS, "Chats", chats.chats_page, Permission.WORKSPACE),
    (routes.LOOP, "My loop", loop.loop_page, Permission.WORKSPACE),
    (routes.OFFERS, "Offers", offers.offers_page, Permission.WORKSPACE),
    (routes.OFFER_NEW, "New offer", offer_wizard.new_offer_page, Permission.WORKSPACE),
    (routes.OFFER_EDIT, "Edit offer", offer_wizard.edit_offer_page, Permission.WORKSPACE),
    (routes.BLASTS, "Blasts", blasts.blasts_page, Permission.WORKSPACE),
    (routes.PAYMENTS, "Payments", payments.payments_page, Permission.WORKSPACE),
    (routes.SETTINGS, "Settings", sections.settings_page, Permission.EDIT_SETTINGS),
]


# What a staff page loads of its own, after the guard and the live connection.
PAGE_LOADS = {
    routes.CHATS: [ChatsState.load],
    routes.TICKETS: [TicketsState.load],
    routes.LOOP: [LoopState.load],
    routes.OFFERS: [OffersState.load],
    routes.OFFER_NEW: [OfferWizardState.load],
    routes.OFFER_EDIT: [OfferWizardState.load],
    routes.BLASTS: [BlastsState.load],
    routes.PAYMENTS: [PaymentsState.load],
}


def register(app: rx.App) -> None:
    app.add_page(
        login.index_page, route="/", title="Interplat", on_load=AuthState.redirect_if_logged_in
    )
    app.add_page(
        login.login_page,
        route=routes.LOGIN,
        title="Log in · Interplat",
        on_load=AuthState.redirect_if_logged_in,
    )
    for route, title, page, permission in STAFF_PAGES:
        app.add_page(
            page,
            route=route,
            title=f"{title} · Interplat",
            on_load=[
                AuthState.guard(str(permission)),
                LiveState.connect,
                *PAGE_LOADS.get(route, []),
            ],
        )
    app.add_page(
        customer_chat.customer_chat_page,
        route=routes.CUSTOMER_CHAT,
        title="Chat",
        on_load=CustomerChatState.load,
    )
    app.add_page(
        directory.directory_page,
        route=routes.DIRECTORY,
        title="Chat with a business · Interplat",
        on_load=DirectoryState.load,
    )
    app.add_page(
        public_offers.public_offers_page,
        route=routes.PUBLIC_OFFERS,
        title="Offers · Interplat",
        on_load=PublicOffersState.load,
    )
    for page, route, title, load in (
        (bill.bill_page, routes.BILL, "Your bill", BillState.load),
        (receipt.receipt_page, routes.RECEIPT, "Receipt", ReceiptState.load),
        (wallet.wallet_page, routes.WALLET, "Your cards", WalletState.load),
    ):
        app.add_page(page, route=route, title=title, on_load=load)
    app.add_page(
        dev_phone.dev_phone_page,
        route=routes.DEV_PHONE,
        title="Dev phone · Interplat",
        on_load=DevPhoneState.load,
    )
