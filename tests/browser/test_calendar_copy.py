"""The deadlines page copies the private calendar address with one button, under the CSP."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.test_login import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_copy_button_puts_the_feed_address_on_the_clipboard(browser, live_server, owner):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    log_in(page, live_server.url, owner.email, PASSWORD)
    page.goto(live_server.url + reverse("deficiencies:deadlines"))
    page.get_by_role("button", name="Create my calendar link").click()
    address = page.get_by_label("Your calendar address").input_value()
    assert address.endswith(".ics")
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#feed-url-status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == address
    assert not refused
    context.close()
