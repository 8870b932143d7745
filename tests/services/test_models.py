import datetime as dt
import zoneinfo

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from interplat.models import Enterprise, Payment, PaymentRequest, SavedCard, UserSession
from tests.factories import make_customer, make_enterprise, make_user


def test_datetimes_come_back_aware_utc(session):
    enterprise = make_enterprise(session)
    user = make_user(session, enterprise)
    paris = dt.datetime(2026, 7, 1, 14, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    session.add(
        UserSession(
            enterprise_id=enterprise.id, user_id=user.id, token_hash="h" * 64, created_at=paris
        )
    )
    session.commit()
    with Session(session.get_bind()) as fresh:
        row = fresh.exec(select(UserSession)).one()
        assert row.created_at == dt.datetime(2026, 7, 1, 12, 30, tzinfo=dt.UTC)
        assert row.created_at.utcoffset() == dt.timedelta(0)
        assert fresh.exec(select(Enterprise)).one().created_at.tzinfo is not None


def test_naive_datetimes_are_refused(session):
    enterprise = make_enterprise(session)
    user = make_user(session, enterprise)
    session.add(
        UserSession(
            enterprise_id=enterprise.id,
            user_id=user.id,
            token_hash="n" * 64,
            created_at=dt.datetime(2026, 1, 1),
        )
    )
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        session.commit()


def test_money_is_integer_minor_units_and_must_be_positive(session):
    enterprise = make_enterprise(session)
    customer = make_customer(session, enterprise)
    session.add(
        PaymentRequest(
            enterprise_id=enterprise.id,
            customer_id=customer.id,
            amount_minor=12345,
            currency="USD",
            public_token_hash="a" * 64,
        )
    )
    session.commit()
    assert session.exec(select(PaymentRequest.amount_minor)).one() == 12345
    session.add(
        PaymentRequest(
            enterprise_id=enterprise.id,
            customer_id=customer.id,
            amount_minor=0,
            currency="USD",
            public_token_hash="b" * 64,
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()


def test_card_tables_have_no_room_for_a_card_number():
    for table in (SavedCard, Payment):
        columns = set(table.__table__.columns.keys())
        assert not columns & {"number", "card_number", "pan", "cvc", "cvv"}
        assert {c for c in columns if "last4" in c}


def test_every_tenant_table_carries_enterprise_id():
    from sqlmodel import SQLModel

    platform_tables = {"enterprise", "providerevent", "appsession"}  # people, not tenants
    # The built-in sandbox processor's own records: a processor's, not a tenant's.
    platform_tables |= {"sandboxcheckout", "sandboxcard", "sandboxcharge", "sandboxrefund"}
    platform_tables |= {"sandboxevent"}
    for name, table in SQLModel.metadata.tables.items():
        if name in platform_tables:
            continue
        assert "enterprise_id" in table.columns, name
        assert not table.columns["enterprise_id"].nullable, name


def test_tenant_rows_go_when_their_enterprise_is_deleted(session):
    enterprise = make_enterprise(session)
    make_customer(session, enterprise)
    session.commit()
    session.execute(sa.delete(Enterprise).where(Enterprise.id == enterprise.id))
    session.commit()
    assert session.execute(sa.text("SELECT count(*) FROM customer")).scalar() == 0
