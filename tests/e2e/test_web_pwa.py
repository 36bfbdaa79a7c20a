"""The app is an installable PWA whose service worker keeps the shell offline and never answers for the API.

Each test opens its own browser context (a fresh profile: no service worker yet) on the real web stack.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser_helpers import PASSWORD, check_accessibility
from tests.e2e.conftest import save_screenshot
from tests.e2e.web_stack import PHONE, WebStack

pytestmark = pytest.mark.browser


@pytest.fixture
def page(chromium: Browser, web_stack: WebStack) -> Iterator[Page]:
    context = chromium.new_context(viewport=PHONE, base_url=web_stack.web, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def _controlled_after_reload(page: Page) -> None:
    page.goto("/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def _png_size(page: Page, url: str) -> tuple[str, int, int]:
    reply = page.request.get(url)
    assert reply.ok, url
    data = reply.body()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{url} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return reply.headers["content-type"], width, height


def test_the_manifest_makes_the_app_installable(page: Page) -> None:
    page.goto("/")
    href = page.get_attribute("link[rel=manifest]", "href")
    assert href
    manifest = page.request.get(href).json()
    assert manifest["name"] == "sharemeter"
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    sizes = {}
    for icon in manifest["icons"]:
        content_type, width, height = _png_size(page, icon["src"])
        assert content_type.startswith("image/png") and icon["sizes"] == f"{width}x{height}", icon
        sizes.setdefault(icon["sizes"], icon)
    assert {"192x192", "512x512"} <= set(sizes)


def test_a_service_worker_controls_the_page_after_reload(page: Page) -> None:
    _controlled_after_reload(page)
    assert page.evaluate("navigator.serviceWorker.controller.state") == "activated"


def test_the_app_shell_loads_offline(page: Page) -> None:
    _controlled_after_reload(page)
    page.context.set_offline(True)
    page.goto("/sign-in")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("Email")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Offline")).to_be_visible()
    check_accessibility(page, "sign in, offline")
    page.goto("/groups/some-group/meters/some-meter")  # a deep link: the shell answers, the data needs the network
    expect(page.locator("header").get_by_text("sharemeter")).to_be_visible()


def test_api_answers_with_money_are_never_served_from_the_service_worker_cache(page: Page, web_stack: WebStack) -> None:
    """Spliit's pwa.spec.ts check: the SW caches the shell and static assets only; /api/ is network-only."""
    email = "cache-probe@example.org"
    web_stack.api("POST", "/auth/register", {"email": email, "password": PASSWORD, "name": "Probe"})
    web_stack.api("POST", "/auth/verify-email", {"email": email, "code": web_stack.code_for(email)})
    token = web_stack.token(email, PASSWORD)
    probe = {"name": "Probe", "utility_type": "water", "unit": "m3", "currency": "EUR"}
    _, group = web_stack.api("POST", "/groups", probe, token=token)
    balances = f"/api/groups/{group['id']}/balances"
    _controlled_after_reload(page)
    fetch = "([url, token]) => fetch(url, {headers: {Authorization: 'Bearer ' + token}})" \
            ".then(r => r.status, e => 'failed')"
    assert page.evaluate(fetch, [balances, token]) == 200
    cached = page.evaluate("""async () => {
        const urls = [];
        for (const name of await caches.keys()) {
            for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
        }
        return urls;
    }""")
    assert "/index.html" in cached
    assert not [url for url in cached if url.startswith("/api/")], cached
    page.context.set_offline(True)
    assert page.evaluate(fetch, [balances, token]) == "failed", "an API answer must never come from a cache"


def test_the_app_speaks_the_browsers_language(chromium: Browser, web_stack: WebStack) -> None:
    """German from navigator.languages: texts from the catalogue, numbers and money through Intl (checked in Vitest)."""
    context = chromium.new_context(viewport=PHONE, base_url=web_stack.web, locale="de-DE")
    page = context.new_page()
    page.goto("/sign-in")
    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    expect(page.get_by_label("E-Mail")).to_be_visible()
    expect(page.get_by_label("Passwort")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "de"
    check_accessibility(page, "sign in, German")
    save_screenshot(page, "sign-in-de")
    context.close()
