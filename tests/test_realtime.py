"""Who hears an event: an enterprise's staff, and only the customer whose ticket it is."""

from __future__ import annotations

import pytest

from interplat import realtime
from interplat.services.events import DomainEvent


@pytest.fixture
def tabs():
    clients = {
        "staff-a": realtime.Client("ent-a", "staff"),
        "staff-b": realtime.Client("ent-b", "staff"),
        "customer-1": realtime.Client("ent-a", "customer", "ticket-1", "code1"),
        "customer-1-again": realtime.Client("ent-a", "customer", "ticket-1", "code1"),
        "customer-2": realtime.Client("ent-a", "customer", "ticket-2", "code2"),
        "customer-b": realtime.Client("ent-b", "customer", "ticket-1", "codeb"),
    }
    for token, client in clients.items():
        realtime.register(token, client)
    yield clients
    for token in clients:
        realtime.forget(token)


def heard(event):
    return sorted(token for token, _ in realtime.clients_for(event))


def test_a_ticket_event_reaches_staff_and_that_tickets_customer_only(tabs):
    event = DomainEvent("message.transcribed", "ent-a", {"ticket_id": "ticket-1"})
    assert heard(event) == ["customer-1", "customer-1-again", "staff-a"]


def test_an_event_about_no_ticket_reaches_staff_only(tabs):
    event = DomainEvent("user.presence", "ent-a", {"user_id": "u1"})
    assert heard(event) == ["staff-a"]


def test_another_enterprise_hears_nothing_even_with_the_same_ticket_id(tabs):
    event = DomainEvent("message.created", "ent-b", {"ticket_id": "ticket-1"})
    assert heard(event) == ["customer-b", "staff-b"]
