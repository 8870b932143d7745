"""Bad input on the customer's chat, at phone size: each gets a clear message and changes
nothing else (the thread on the page and in the database stays as it was)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

from playwright.sync_api import expect
from sqlmodel import select

from interplat.db import session_scope
from interplat.models import Message, ShortLink
from interplat.services import links
from tests.e2e.chats import fresh_chat
from tests.e2e.conftest import shot
from tests.factories import rows

SCRIPT = "<img src=x onerror=alert(1)><script>window.pwned=1</script>"


def _stored(app, ticket_id: uuid.UUID, **where: str) -> list[str]:
    return [m.body for m in rows(app.database_url, Message, ticket_id=ticket_id, **where)]


def _open(page, app, code: str, brand: str) -> None:
    page.goto(app.at("/c/" + code))
    expect(page.get_by_test_id("brand-name")).to_have_text(brand, timeout=30_000)
    expect(page.get_by_test_id("chat-message").first).to_be_visible(timeout=30_000)


def test_bad_texts_are_refused_and_html_is_shown_as_text(running_app, phone):
    code, ticket_id = fresh_chat(running_app, "ticket4me", "Kim")
    page = phone.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _open(page, running_app, code, "Ticket4Me")
    messages = page.get_by_test_id("chat-message")
    expect(messages).to_have_count(1)  # the welcome
    before = _stored(running_app, ticket_id)

    page.get_by_test_id("chat-send").click()  # empty
    expect(page.get_by_test_id("send-error")).to_have_text(
        "A message cannot be empty.", timeout=10_000
    )
    page.get_by_test_id("chat-input").fill("   ")
    page.get_by_test_id("chat-send").click()  # only spaces
    expect(page.get_by_test_id("send-error")).to_have_text("A message cannot be empty.")
    # Past any limit the input may set: the server's own check is what refuses it.
    page.get_by_test_id("chat-input").evaluate("el => el.removeAttribute('maxlength')")
    page.get_by_test_id("chat-input").fill("y" * 20_000)
    page.get_by_test_id("chat-send").click()
    expect(page.get_by_test_id("send-error")).to_contain_text(
        "limited to 4,000 characters", timeout=10_000
    )
    shot(page, "customer-bad-input-too-long-phone")
    expect(messages).to_have_count(1)
    assert _stored(running_app, ticket_id) == before

    page.get_by_test_id("chat-input").fill(SCRIPT)
    page.get_by_test_id("chat-send").click()
    shown = page.get_by_test_id("chat-message").get_by_text(SCRIPT, exact=True)
    expect(shown).to_be_visible(timeout=10_000)  # literally, as typed
    expect(page.get_by_test_id("send-error")).to_have_count(0)
    page.reload()
    expect(shown).to_be_visible(timeout=30_000)
    page.wait_for_timeout(500)  # an injected handler would have fired by now
    assert dialogs == []
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.locator("[data-testid=chat-message] img[src=x]").count() == 0
    assert _stored(running_app, ticket_id, sender_kind="customer") == [SCRIPT]
    shot(page, "customer-bad-input-html-as-text-phone")


def test_bad_files_are_refused_with_a_clear_message(running_app, phone):
    code, ticket_id = fresh_chat(running_app, "symphony", "Lee")
    page = phone.new_page()
    _open(page, running_app, code, "Symphony Financial")
    before = _stored(running_app, ticket_id)
    upload = page.locator("#chat-upload input[type=file]")

    # A text file dressed up as a photo: its bytes say it is not an image.
    upload.set_input_files(
        files=[{"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": b"not really a jpeg"}]
    )
    expect(page.get_by_test_id("send-error")).to_contain_text(
        "photo.jpg: This type of file cannot be sent", timeout=15_000
    )
    shot(page, "customer-bad-input-wrong-type-phone")
    # A photo over the 10 MB image limit (under the picker's 25 MB, so the server decides).
    big = b"\xff\xd8\xff\xe0" + b"\0" * (11 * 1024 * 1024)
    upload.set_input_files(files=[{"name": "huge.jpg", "mimeType": "image/jpeg", "buffer": big}])
    expect(page.get_by_test_id("send-error")).to_contain_text(
        "huge.jpg: Images are limited to 10 MB.", timeout=30_000
    )
    shot(page, "customer-bad-input-too-large-phone")
    # A program: the picker itself refuses it, and nothing reaches the server.
    upload.set_input_files(
        files=[{"name": "setup.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ\x90"}]
    )
    expect(page.get_by_test_id("send-error")).to_contain_text("setup.exe", timeout=10_000)
    page.wait_for_timeout(1500)  # and it stays: nothing that follows wipes it
    expect(page.get_by_test_id("send-error")).to_contain_text("setup.exe")
    shot(page, "customer-bad-input-program-phone")
    expect(page.get_by_test_id("chat-message")).to_have_count(len(before), timeout=10_000)
    assert _stored(running_app, ticket_id) == before
    assert page.get_by_test_id("thread-image").count() == 0


def test_another_enterprises_link_shows_only_that_enterprise(running_app, phone):
    mine, my_ticket = fresh_chat(running_app, "ticket4me", "Ash")
    page = phone.new_page()
    _open(page, running_app, mine, "Ticket4Me")
    page.get_by_test_id("chat-input").fill("My seats are wrong")
    page.get_by_test_id("chat-send").click()
    expect(page.get_by_test_id("chat-message").filter(has_text="My seats are wrong")).to_have_count(
        1, timeout=10_000
    )

    # The same browser opens another business's ticket: that business and its thread only.
    page.goto(running_app.at("/c/" + running_app.customer_links["Symphony Financial"]))
    expect(page.get_by_test_id("brand-name")).to_have_text("Symphony Financial", timeout=30_000)
    expect(page.get_by_test_id("chat-message").first).to_contain_text("Welcome to Symphony")
    body = page.locator("body").inner_text()
    assert "Ticket4Me" not in body and "My seats are wrong" not in body and "Ash" not in body
    shot(page, "customer-bad-input-other-enterprise-phone")
    assert _stored(running_app, my_ticket, sender_kind="customer") == ["My seats are wrong"]


def test_a_forged_cookie_reopens_nothing(running_app, browser):
    code, ticket_id = fresh_chat(running_app, "ticket4me", "Ray")
    with session_scope(running_app.database_url) as session:
        link = session.exec(select(ShortLink).where(ShortLink.code == code)).one()
        customer_id = link.customer_id
        links.revoke_short_link(session=session, link=link)
    assert customer_id is not None
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    try:
        forged = f"{customer_id.hex}.{'a' * 64}"  # the right customer, a made-up signature
        context.add_cookies([{"name": "interplat_chat", "value": forged, "url": running_app.url}])
        page = context.new_page()
        page.goto(running_app.at("/c/" + code))
        expect(page.get_by_test_id("link-problem")).to_have_text(
            "This link has expired", timeout=30_000
        )
        expect(page.get_by_test_id("chat-message")).to_have_count(0)
        page.goto(running_app.at("/chat"))
        expect(page.get_by_test_id("directory-card")).to_have_count(2, timeout=30_000)
        expect(page.get_by_test_id("pending-chat")).to_have_count(0)
    finally:
        context.close()
    assert _stored(running_app, ticket_id) == []


def test_a_voice_post_to_a_made_up_link_is_not_found_and_stores_nothing(running_app):
    count = len(rows(running_app.database_url, Message))
    request = urllib.request.Request(
        running_app.at("/api/chat/madeUpLinkCode123/voice"),
        data=b"RIFF0000WAVEfmt ",
        headers={"Content-Type": "audio/wav"},
        method="POST",
    )
    try:
        urllib.request.urlopen(request, timeout=30)
        raise AssertionError("a made-up link must not take a voice message")
    except urllib.error.HTTPError as exc:
        assert exc.code == 404
        assert json.loads(exc.read())["error"]["code"] == "not_found"
    assert len(rows(running_app.database_url, Message)) == count


def test_a_card_number_typed_into_the_chat_never_reaches_the_thread(running_app, phone):
    code, ticket_id = fresh_chat(running_app, "symphony", "Vega")
    page = phone.new_page()
    _open(page, running_app, code, "Symphony Financial")
    page.get_by_test_id("chat-input").fill("Charge my card 4242 4242 4242 4242, exp 12/29")
    page.get_by_test_id("chat-send").click()
    mine = page.get_by_test_id("chat-message").filter(has_text="Charge my card")
    expect(mine).to_contain_text("Charge my card [card ending 4242 removed], exp 12/29")
    expect(page.get_by_test_id("send-error")).to_contain_text("card number ending 4242 was removed")
    shot(page, "customer-card-number-removed-phone")
    page.reload()
    expect(mine).to_contain_text("[card ending 4242 removed]", timeout=30_000)
    assert "4242 4242 4242 4242" not in page.content()
    stored = _stored(running_app, ticket_id, sender_kind="customer")
    assert stored == ["Charge my card [card ending 4242 removed], exp 12/29"]
