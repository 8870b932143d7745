from sqlmodel import func, select

from interplat.models import Enterprise, Message, StoreLocation, Ticket, User
from interplat.services import auth, customer_chat, demo


def count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


def test_seed_is_idempotent_and_complete(session):
    first = demo.seed_demo(session=session)
    session.commit()
    sizes = {m: count(session, m) for m in (Enterprise, User, Ticket, Message, StoreLocation)}
    second = demo.seed_demo(session=session)
    session.commit()
    assert first.created == ["Symphony Financial", "Ticket4Me"]
    assert second.created == []
    assert second.customer_links == first.customer_links
    assert {m: count(session, m) for m in sizes} == sizes


def test_two_brands_each_with_an_owner_two_csrs_and_tickets_in_every_state(session):
    demo.seed_demo(session=session)
    enterprises = session.exec(select(Enterprise)).all()
    assert {e.brand_name for e in enterprises} == {"Symphony Financial", "Ticket4Me"}
    assert len({e.primary_color for e in enterprises}) == 2
    for enterprise in enterprises:
        roles = sorted(session.exec(select(User.role).where(User.enterprise_id == enterprise.id)))
        assert roles == ["csr", "csr", "owner"]
        states = set(
            session.exec(select(Ticket.status).where(Ticket.enterprise_id == enterprise.id))
        )
        assert states == {"waiting", "assigned", "resolved", "abandoned"}
        with_messages = session.exec(
            select(func.count(func.distinct(Message.ticket_id))).where(
                Message.enterprise_id == enterprise.id
            )
        ).one()
        assert with_messages == count_tickets(session, enterprise)


def count_tickets(session, enterprise):
    return session.exec(select(func.count()).where(Ticket.enterprise_id == enterprise.id)).one()


def test_every_demo_account_logs_in_with_the_documented_password(session):
    demo.seed_demo(session=session)
    emails = [email for spec in demo.ENTERPRISES for email, _, _ in spec["staff"]]
    for email in emails:
        result = auth.log_in(session=session, email=email, password=demo.DEMO_PASSWORD, ttl_hours=1)
        assert result.principal.email == email


def test_the_printed_customer_links_open_branded_chats(session):
    summary = demo.seed_demo(session=session)
    for brand, code in summary.customer_links.items():
        view = customer_chat.load_chat(session=session, code=code)
        assert view.state == "ok" and view.brand.brand_name == brand
        welcome = view.thread[0]
        assert (welcome.sender_kind, welcome.sender_name) == ("system", brand)
        assert welcome.body.startswith(("Welcome", "Hi")) and "{" not in welcome.body
        assert len(view.thread) > 1
