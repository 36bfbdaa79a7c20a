"""What a person does in the app, in the words the screen uses (labels and button names: the accessible names)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.web_stack import PHONE, WebStack

PASSWORD = "correct horse battery staple"
AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"


@dataclass
class Person:
    name: str
    email: str
    context: BrowserContext
    page: Page


def new_person(browser: Browser, stack: WebStack, name: str) -> Person:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="en-GB", timezone_id="Europe/Berlin",
                                  base_url=stack.web, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return Person(name, f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.org", context, page)


def sign_up(person: Person, stack: WebStack) -> None:
    page = person.page
    if "/sign-up" not in page.url:
        page.goto("/sign-up")
    page.get_by_label("Name", exact=True).fill(person.name)
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Confirm your email")).to_be_visible()
    page.get_by_label("Code").fill(stack.code_for(person.email))
    page.get_by_role("button", name="Confirm email").click()
    expect(page.get_by_text("Your email address is confirmed.")).to_be_visible()
    page.get_by_role("link", name="Sign in").last.click()


def sign_in(person: Person) -> None:
    page = person.page
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def open_tab(person: Person, name: str) -> None:
    person.page.get_by_role("navigation", name="Group").get_by_role("link", name=name).click()


def check_accessibility(page: Page, screen: str) -> None:
    """axe-core (web/node_modules, injected): no serious or critical violation on this screen (WCAG 2.2 AA rules)."""
    page.evaluate(AXE.read_text())
    result: dict[str, Any] = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
    )
    serious = [v for v in result["violations"] if v["impact"] in {"serious", "critical"}]
    assert not serious, f"{screen}: " + json.dumps(
        [{"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:3]]} for v in serious], indent=1)
