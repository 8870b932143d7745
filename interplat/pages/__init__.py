"""Every page and its route, title and on-load guard."""

from __future__ import annotations

import reflex as rx

from .. import routes
from ..services.access import Permission
from ..state.auth import AuthState
from ..state.chats import ChatsState
from ..state.customer import CustomerChatState
from ..state.dev_phone import DevPhoneState
from ..state.live import LiveState
from ..state.tickets import TicketsState
from . import chats, customer_chat, dashboard, dev_phone, login, sections, tickets

STAFF_PAGES = [
    (routes.DASHBOARD, "Dashboard", dashboard.dashboard_page, Permission.WORKSPACE),
    (routes.TICKETS, "Tickets", tickets.tickets_page, Permission.WORKSPACE),
    (routes.CHATS, "Chats", chats.chats_page, Permission.WORKSPACE),
    (routes.LOOP, "My loop", sections.loop_page, Permission.WORKSPACE),
    (routes.OFFERS, "Offers", sections.offers_page, Permission.WORKSPACE),
    (routes.BLASTS, "Blasts", sections.blasts_page, Permission.WORKSPACE),
    (routes.PAYMENTS, "Payments", sections.payments_page, Permission.WORKSPACE),
    (routes.SETTINGS, "Settings", sections.settings_page, Permission.EDIT_SETTINGS),
]


# What a staff page loads of its own, after the guard and the live connection.
PAGE_LOADS = {routes.CHATS: [ChatsState.load], routes.TICKETS: [TicketsState.load]}


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
        dev_phone.dev_phone_page,
        route=routes.DEV_PHONE,
        title="Dev phone · Interplat",
        on_load=DevPhoneState.load,
    )
