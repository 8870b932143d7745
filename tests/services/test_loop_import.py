"""Loop CSV import: reading, per-row problems, the import itself and its report."""

from __future__ import annotations

import csv
import io
import random

import pandas as pd
import pytest
from sqlmodel import func, select

from interplat.models import Customer, Enterprise, LoopMembership, MarketingConsent
from interplat.services import loop_bulk, loop_import
from interplat.services.customers import normalize_phone
from interplat.services.errors import InvalidPhoneNumber, ValidationFailed
from interplat.services.loop import LoopQuery
from interplat.services.loop_phones import fast_e164
from tests.factories import make_customer, make_enterprise, make_user
from tests.services.test_loop import principal_of


@pytest.fixture
def csr(session):
    enterprise = make_enterprise(session)
    user = make_user(session, enterprise, "csr")
    session.commit()
    return principal_of(user)


def check(session, who, text: str, name: str = "loop.csv"):
    return loop_import.check_file(session=session, principal=who, data=text.encode(), filename=name)


def count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_columns_are_recognised_and_unknown_ones_noted(session, csr):
    checked = check(
        session,
        csr,
        "First Name,LAST_NAME,mobile,E-mail,Tags,Shoe size\nAnn,Lee,(628) 555-0100,ann@x.io,a|b,9\n",
    )
    row = checked.frame.iloc[0]
    assert (row["_first"], row["_last"], row["_phone"], row["_email"], row["_tags"]) == (
        "Ann",
        "Lee",
        "+16285550100",
        "ann@x.io",
        ["a", "b"],
    )
    assert checked.notes == ["Ignored column: Shoe size."]
    assert "Phone written as +16285550100" in row["_problem"]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "a.csv", "The file is empty."),
        (b"name,email\nAnn,a@x.io\n", "a.csv", "The file has no phone column"),
        (b"phone\n", "a.csv", "The file has a header but no rows."),
        (b"PK\x03\x04\x00\x00binary", "a.csv", "This is not a CSV file"),
        (b"phone\n1\n", "a.xlsx", "Only .csv files can be imported"),
        (
            b"phone\n" + b"6285550100\n" * (loop_import.MAX_BYTES // 11 + 1),
            "a.csv",
            "larger than 20 MB",
        ),
    ],
)
def test_file_level_problems_have_clear_messages(session, csr, data, name, message):
    with pytest.raises(ValidationFailed) as error:
        loop_import.check_file(session=session, principal=csr, data=data, filename=name)
    assert message in error.value.message


def test_bad_phones_duplicates_and_bad_emails(session, csr):
    text = "phone,email\n(628) 555-0100,a@x.io\n555-12,b@x.io\n,c@x.io\n628.555.0100,d@x.io\n(628) 555-0101,nope\n"
    checked = check(session, csr, text)
    assert checked.summary() == "2 ready, 3 rejected: 2 bad phone numbers, 1 duplicate"
    problems = checked.frame["_problem"].tolist()
    assert problems[1] == "Not a valid phone number: 555-12"
    assert problems[2] == "No phone number"
    assert problems[3] == "Same phone as line 2"
    assert problems[4].endswith("Email left out: not valid")
    assert checked.frame["_email"].tolist()[4] == ""
    report = list(
        csv.DictReader(io.StringIO(loop_import.rejected_csv(checked).decode("utf-8-sig")))
    )
    assert [(r["line"], r["phone"]) for r in report] == [
        ("3", "555-12"),
        ("4", ""),
        ("5", "628.555.0100"),
    ]
    assert report[0]["problem"] == "Not a valid phone number: 555-12"


def test_import_is_idempotent_and_keeps_what_the_enterprise_knows(session, csr, engine):
    enterprise_id = csr.enterprise_id
    known = make_customer(
        session, session.get(Enterprise, enterprise_id), phone="+16285550100", first_name="Known"
    )
    text = "first name,phone,tags,opt_in\nNew,(628) 555-0100,vip,yes\nZoe,(628) 555-0101,,no\n"
    summary = loop_bulk.import_checked(
        session=session, principal=csr, checked=check(session, csr, text)
    )
    session.commit()
    assert (summary.imported, summary.already_in_loop, summary.opted_out) == (2, 0, 1)
    session.refresh(known)
    assert known.first_name == "Known"
    zoe = session.exec(select(Customer).where(Customer.phone == "+16285550101")).one()
    assert zoe.first_name == "Zoe" and not zoe.marketing_opt_in
    assert [(c.opted_in, c.source) for c in session.exec(select(MarketingConsent)).all()] == [
        (False, "import")
    ]
    again = check(session, csr, text)
    assert again.summary() == "0 ready, 2 already in your loop, 0 rejected"
    second = loop_bulk.import_checked(session=session, principal=csr, checked=again)
    assert (second.imported, second.already_in_loop) == (0, 2)
    assert count(session, LoopMembership) == 2 and count(session, Customer) == 2


def test_blanks_are_filled_and_a_customer_who_left_joins_opted_out(session, csr):
    enterprise = session.get(Enterprise, csr.enterprise_id)
    blank = make_customer(session, enterprise, phone="+16285550100", first_name="Known")
    left = make_customer(session, enterprise, phone="+16285550101", first_name="Gone")
    left.marketing_opt_in = False
    session.add(left)
    text = (
        "first name,last name,phone,email\n"
        "New,Last,(628) 555-0100,known@x.io\n"
        "Other,Name,(628) 555-0101,\n"
        "Fresh,One,(628) 555-0102,fresh@x.io\n"
    )
    checked = check(session, csr, text)
    summary = loop_bulk.import_checked(session=session, principal=csr, checked=checked)
    session.commit()
    assert (summary.imported, summary.already_in_loop, summary.opted_out) == (3, 0, 0)
    session.refresh(blank)
    session.refresh(left)
    assert (blank.first_name, blank.last_name, blank.email) == ("Known", "Last", "known@x.io")
    assert (left.first_name, left.last_name, left.marketing_opt_in) == ("Gone", "Name", False)
    members = {m.customer_id: m.opted_in for m in session.exec(select(LoopMembership)).all()}
    assert members[blank.id] and not members[left.id]
    fresh = session.exec(select(Customer).where(Customer.phone == "+16285550102")).one()
    assert fresh.marketing_opt_in and members[fresh.id]
    # New rows get time-ordered (version 7) ids; members added since the check are not
    # added twice and count as already in the loop.
    assert fresh.id.version == 7
    again = loop_bulk.import_checked(session=session, principal=csr, checked=checked)
    assert (again.imported, again.already_in_loop) == (0, 3)
    assert count(session, LoopMembership) == 3 and count(session, Customer) == 3


def test_tenants_are_kept_apart(session, csr):
    elsewhere = principal_of(make_user(session, make_enterprise(session), "csr"))
    text = "phone\n(628) 555-0100\n"
    loop_bulk.import_checked(session=session, principal=csr, checked=check(session, csr, text))
    loop_bulk.import_checked(
        session=session, principal=elsewhere, checked=check(session, elsewhere, text)
    )
    session.commit()
    owners = session.exec(select(Customer.enterprise_id)).all()
    assert sorted(map(str, owners)) == sorted(
        [str(csr.enterprise_id), str(elsewhere.enterprise_id)]
    )
    export = loop_bulk.export_loop(session=session, principal=csr, query=LoopQuery(), total=1)
    assert export.rows == 1


def test_ten_thousand_rows_import_correctly_with_progress(session, csr):
    lines = ["first_name,last_name,phone,email,tags"]
    for n in range(10_000):
        phone = "bad" if n % 1000 == 7 else f"+1 628 {200 + n // 1000:03d} {n % 1000:04d}"
        lines.append(f"F{n},L{n},{phone},p{n}@x.io,t{n % 3};all")
    seen: list[tuple[int, int]] = []
    checked = check(session, csr, "\n".join(lines))
    assert (checked.ready, checked.rejected) == (9_990, 10)
    summary = loop_bulk.import_checked(
        session=session,
        principal=csr,
        checked=checked,
        chunk_rows=3000,
        progress=lambda done, total: seen.append((done, total)),
    )
    session.commit()
    assert summary.imported == 9_990
    assert seen == [(3000, 9990), (6000, 9990), (9000, 9990), (9990, 9990)]
    assert count(session, Customer) == 9_990 and count(session, LoopMembership) == 9_990
    one = session.exec(select(Customer).where(Customer.phone == "+16282050123")).one()
    member = session.exec(select(LoopMembership).where(LoopMembership.customer_id == one.id)).one()
    assert (one.first_name, one.email, member.tags, member.user_id) == (
        "F5123",
        "p5123@x.io",
        ["t2", "all"],
        csr.user_id,
    )
    exported = loop_bulk.export_loop(
        session=session, principal=csr, query=LoopQuery(search="f5123"), total=1
    )
    row = next(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert (row["phone"], row["tags"], row["opt_in"]) == ("+16282050123", "t2; all", "yes")


def test_the_fast_phone_path_agrees_with_normalize_phone():
    rng = random.Random(8)
    forms = [
        "{a}{b}{c}",
        "({a}) {b}-{c}",
        "+1 {a} {b} {c}",
        "1-{a}-{b}-{c}",
        "{a}.{b}.{c}",
        "+4{a}{b}{c}",
        "0{a}{b}{c}",
    ]
    values = [
        rng.choice(forms).format(
            a=f"{rng.randint(100, 999)}",
            b=f"{rng.randint(0, 999):03d}",
            c=f"{rng.randint(0, 9999):04d}",
        )
        for _ in range(5000)
    ]
    fast = fast_e164(pd.Series(values))
    assert (fast != "").sum() > 1000
    for value, got in zip(values, fast, strict=True):
        if got:
            assert normalize_phone(value) == got, value
    for value in ("+4155550123", "4155550123 ext 2"):  # not North American, or not plain
        assert fast_e164(pd.Series([value])).iloc[0] == ""
    with pytest.raises(InvalidPhoneNumber):
        normalize_phone("+1 (123) 456-7890")
