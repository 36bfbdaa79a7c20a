"""Accounts in the browser: an authenticator app enrolled from its QR code, signing in with a second factor, the
password reset link, and signing out everywhere, on the real web stack in Debian's Chromium."""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.browser_helpers import PASSWORD, check_accessibility, new_person, sign_in, sign_up
from tests.e2e.web_stack import WebStack

pytestmark = pytest.mark.browser
NEW_PASSWORD = "staple battery horse, rearranged"


def test_totp_enrolment_second_factor_reset_link_and_sign_out_everywhere(chromium: Browser,
                                                                          web_stack: WebStack) -> None:
    dana = new_person(chromium, web_stack, "Dana")
    page = dana.page
    page.goto("/sign-up")
    sign_up(dana, web_stack)
    sign_in(dana)
    expect(page.get_by_role("heading", name="Your groups")).to_be_visible()

    # enrol the authenticator app: password again, QR code and key, a first code -> recovery codes shown once
    page.get_by_role("link", name="Account").click()
    page.get_by_label("Current password").first.fill(PASSWORD)
    page.get_by_role("button", name="Set up authenticator app").click()
    expect(page.get_by_role("img", name="QR code to scan with your authenticator app")).to_be_visible()
    check_accessibility(page, "TOTP enrolment")
    secret = page.locator("code.secret").inner_text()
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator("ol.codes code")).to_have_count(10)
    codes = page.locator("ol.codes code").all_inner_texts()
    expect(page.get_by_text("Second factors on: Authenticator app, Recovery code.")).to_be_visible()

    # signing in now asks for the second factor; a recovery code works once
    page.get_by_role("button", name="Sign out", exact=True).click()
    sign_in(dana)
    expect(page.get_by_role("heading", name="Second factor")).to_be_visible()
    page.get_by_label("Second factor").select_option("recovery")
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Your groups")).to_be_visible()

    # forgot the password: the emailed link opens the app's page, which sets the new one
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(dana.email)
    page.get_by_role("button", name="Send reset email").click()
    expect(page.get_by_text("If the address has an account")).to_be_visible()
    page.goto(web_stack.link_for(dana.email, "reset-password"))
    expect(page.get_by_label("Email")).to_have_value(dana.email)
    assert "token=" not in page.url, "the reset token must leave the address bar once read"
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_text("Your password is changed.")).to_be_visible()

    # sign in with the new password and a fresh TOTP code, then sign out everywhere: a second device's session ends too
    other = new_person(chromium, web_stack, "Dana")
    for device in (dana, other):
        device.page.goto("/sign-in")
        device.page.get_by_label("Email").fill(dana.email)
        device.page.get_by_label("Password").fill(NEW_PASSWORD)
        device.page.get_by_role("button", name="Sign in").click()
        device.page.get_by_label("Second factor").select_option("recovery")
        device.page.get_by_label("Recovery code").fill(codes[1] if device is dana else codes[2])
        device.page.get_by_role("button", name="Verify").click()
        expect(device.page.get_by_role("heading", name="Your groups")).to_be_visible()
    page.get_by_role("link", name="Account").click()
    page.get_by_role("button", name="Sign out everywhere").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    other.page.reload()
    expect(other.page.get_by_role("heading", name="Sign in")).to_be_visible()
    for device in (dana, other):
        device.context.close()


def test_a_verify_email_link_is_posted_once_whether_it_works_or_not(chromium: Browser, web_stack: WebStack) -> None:
    """A link token is good once: the page posts it once, shows the outcome, and does not retry in a loop (it used to
    re-post a refused token after every render: 97 requests in 1.5 s)."""
    erin = new_person(chromium, web_stack, "Erin")
    posted: list[str] = []
    erin.page.on("request", lambda request: posted.append(request.url)
                 if request.method == "POST" and request.url.endswith("/api/auth/verify-email") else None)
    web_stack.api("POST", "/auth/register", {"email": erin.email, "password": PASSWORD, "name": "Erin"})

    erin.page.goto(web_stack.link_for(erin.email, "verify-email"))
    expect(erin.page.get_by_text("Your email address is confirmed.")).to_be_visible()
    erin.page.goto("/verify-email?token=" + "x" * 43)  # a token nobody issued
    expect(erin.page.get_by_text("The link did not work")).to_be_visible()
    erin.page.wait_for_timeout(1500)  # long enough for the old loop to post dozens of times
    assert len(posted) == 2, posted
    erin.context.close()
