"""A household runs sharemeter from their phones: the whole journey in Debian's headless Chromium against the real
stack (API on embedded defaults behind the web server), with axe-core on every main screen on the way.

GIVEN three people with nothing but the app WHEN Ann signs up, creates a group and invites Bob and Cy by email, they
follow the links and join, everyone records a reading (Bob's while offline, sent when he is back online), Ann drafts a
70 % consumption / 30 % area bill, reviews and issues it, and Bob and Cy's payments are recorded THEN every balance is
back to zero, and the API holds exactly one reading per person.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.browser_helpers import PASSWORD, Person, check_accessibility, new_person, open_tab, sign_in, sign_up
from tests.e2e.conftest import save_screenshot
from tests.e2e.web_stack import WebStack

pytestmark = pytest.mark.browser

BERLIN = ZoneInfo("Europe/Berlin")
# a 1x1 PNG: the "photo of the meter" Ann attaches
PIXEL = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                      "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def _last_month() -> tuple[date, date]:
    first_of_this = datetime.now(BERLIN).date().replace(day=1)
    last = first_of_this - timedelta(days=1)
    return last.replace(day=1), last


def test_a_household_signs_up_shares_a_meter_bills_and_settles_up(chromium: Browser, web_stack: WebStack) -> None:
    stack = web_stack
    start, end = _last_month()
    ann, bob, cy = (new_person(chromium, stack, name) for name in ("Ann", "Bob", "Cy"))

    # -- Ann signs up (verifying by the emailed code), signs in and creates the group -----------------------------
    ann.page.goto("/")
    expect(ann.page.get_by_role("heading", name="Sign in")).to_be_visible()
    check_accessibility(ann.page, "sign in")
    save_screenshot(ann.page, "sign-in")
    ann.page.get_by_role("link", name="Create an account").click()
    check_accessibility(ann.page, "sign up")
    sign_up(ann, stack)
    sign_in(ann)
    expect(ann.page.get_by_role("heading", name="Your groups")).to_be_visible()
    ann.page.get_by_role("link", name="New group").click()
    ann.page.get_by_label("Group name").fill("Flat 3B")
    ann.page.get_by_label("Utility").select_option("electricity")
    ann.page.get_by_label("Currency").select_option("EUR")
    ann.page.get_by_label("Time zone").select_option("Europe/Berlin")
    check_accessibility(ann.page, "create group")
    ann.page.get_by_role("button", name="Create group").click()
    expect(ann.page.get_by_role("heading", name="Members of Flat 3B")).to_be_visible()
    group_id = re.search(r"/groups/(\w+)/members", ann.page.url).group(1)  # type: ignore[union-attr]

    # -- invitations by email; Bob has no account yet, Cy signs up first ------------------------------------------
    for person in (bob, cy):
        ann.page.get_by_label("Their email").fill(person.email)
        ann.page.get_by_role("button", name="Send invitation").click()
        expect(ann.page.get_by_role("button", name=f"Revoke invitation for {person.email}")).to_be_visible()
    check_accessibility(ann.page, "members")

    bob.page.goto(stack.link_for(bob.email, "invitations"))
    expect(bob.page.get_by_role("heading", name="Invitation")).to_be_visible()
    expect(bob.page.get_by_text("Ann invites you to Flat 3B as Member.")).to_be_visible()
    assert "token=" not in bob.page.url, "the invitation token must leave the address bar once read"
    check_accessibility(bob.page, "invitation landing")
    bob.page.get_by_role("link", name="Create an account").click()
    sign_up(bob, stack)
    sign_in(bob)
    expect(bob.page.get_by_role("navigation", name="Group Flat 3B")).to_be_visible()
    expect(bob.page.get_by_role("heading", name="Meters")).to_be_visible()

    cy.page.goto("/sign-up")
    sign_up(cy, stack)
    sign_in(cy)
    expect(cy.page.get_by_role("heading", name="Your groups")).to_be_visible()
    cy.page.goto(stack.link_for(cy.email, "invitations"))
    expect(cy.page.get_by_role("navigation", name="Group Flat 3B")).to_be_visible()

    # -- Ann sets the areas (m²) the 30 % part is split by ---------------------------------------------------------
    open_tab(ann, "Members")
    for person, area in ((ann, "40"), (bob, "30"), (cy, "30")):
        ann.page.get_by_role("button", name=f"Edit weights of {person.name}").click()
        ann.page.get_by_label(f"Area of {person.name} (m²)").fill(area)
        ann.page.get_by_role("button", name="Save").click()
        row = ann.page.get_by_role("row", name=re.compile(rf"^{person.name}\b"))
        expect(row.get_by_role("cell").nth(1)).to_have_text(f"{area} m²")
    save_screenshot(ann.page, "members")

    # -- meters: one sub-meter each, installed at the start of last month at 0 -----------------------------------
    open_tab(ann, "Meters")
    for person in (ann, bob, cy):
        ann.page.get_by_label("Serial number").fill(f"SUB-{person.name.upper()}")
        ann.page.get_by_label("Kind").select_option("sub")
        ann.page.get_by_label("Whose meter").select_option(label=person.name)
        ann.page.get_by_label("Installed at").fill(f"{start.isoformat()}T00:00")
        ann.page.get_by_label("Reading at installation (kWh)").fill("0")
        ann.page.get_by_role("button", name="Add meter").click()
        expect(ann.page.get_by_role("link", name=f"SUB-{person.name.upper()}")).to_be_visible()
    check_accessibility(ann.page, "meters")
    save_screenshot(ann.page, "meters")

    # -- readings at the end of last month; Ann's with a photo, Bob's typed while offline -------------------------
    taken_at = f"{(end + timedelta(days=1)).isoformat()}T00:00"

    def record(person: Person, value: str, *, photo: bool = False) -> None:
        person.page.goto(f"/groups/{group_id}")
        person.page.get_by_role("link", name=f"SUB-{person.name.upper()}").click()
        person.page.get_by_label("Reading", exact=True).fill(value)
        person.page.get_by_label("Taken at").fill(taken_at)
        if photo:
            person.page.get_by_label("Photo of the meter (optional)").set_input_files(
                files=[{"name": "meter.png", "mimeType": "image/png", "buffer": PIXEL}])
        person.page.get_by_role("button", name="Save reading").click()

    record(ann, "100", photo=True)
    expect(ann.page.get_by_role("button", name="View photo")).to_be_visible()
    check_accessibility(ann.page, "meter with history")
    save_screenshot(ann.page, "meter-reading")

    bob.page.goto(f"/groups/{group_id}")
    bob.page.get_by_role("link", name="SUB-BOB").click()
    expect(bob.page.get_by_role("heading", name="Meter SUB-BOB")).to_be_visible()
    bob.context.set_offline(True)  # the app is loaded; now the phone loses its connection
    bob.page.get_by_label("Reading", exact=True).fill("50,0")  # a keypad's decimal comma is understood
    bob.page.get_by_label("Taken at").fill(taken_at)
    bob.page.get_by_role("button", name="Save reading").click()
    expect(bob.page.get_by_text("Queued: sent when you are back online")).to_be_visible()
    expect(bob.page.get_by_role("status").filter(has_text="1 waiting to send")).to_be_visible()
    bob.page.get_by_role("heading", name="Readings not sent yet").evaluate("h => h.scrollIntoView({block: 'center'})")
    save_screenshot(bob.page, "reading-queued-offline")
    ann_token = stack.token(ann.email, PASSWORD)
    _, meters = stack.api("GET", f"/groups/{group_id}/meters", token=ann_token)
    bob_meter = next(m["id"] for m in meters["items"] if m["serial"] == "SUB-BOB")
    assert stack.api("GET", f"/groups/{group_id}/meters/{bob_meter}/readings", token=ann_token)[1]["items"] == []
    bob.context.set_offline(False)
    expect(bob.page.get_by_text("Queued: sent when you are back online")).to_have_count(0, timeout=30_000)
    expect(bob.page.get_by_role("cell", name="50", exact=True).first).to_be_visible()
    readings = stack.api("GET", f"/groups/{group_id}/meters/{bob_meter}/readings", token=ann_token)[1]["items"]
    assert [r["value"] for r in readings] == ["50.0"] or [r["value"] for r in readings] == ["50"], readings

    record(cy, "50")
    expect(cy.page.get_by_role("cell", name="50", exact=True).first).to_be_visible()

    # -- Ann drafts the blended bill, reviews it and issues it -----------------------------------------------------
    open_tab(ann, "Bills")
    ann.page.get_by_label("From").fill(start.isoformat())
    ann.page.get_by_label("To", exact=True).fill(end.isoformat())
    ann.page.get_by_label("Amount (EUR)").fill("100.00")
    ann.page.get_by_label("Split").select_option("blend")
    ann.page.get_by_label("By consumption (%)").fill("70")
    ann.page.get_by_label("The rest by").select_option("area")
    ann.page.get_by_label("Owed to").select_option(label="Ann")
    ann.page.get_by_label("Everyone paying was there the whole period").check()
    check_accessibility(ann.page, "bills")
    ann.page.get_by_role("button", name="Draft bill").click()
    expect(ann.page.get_by_text("Draft", exact=True)).to_be_visible()
    expect(ann.page.get_by_role("heading", name="Ann: €47.00")).to_be_visible()
    expect(ann.page.get_by_role("heading", name="Bob: €26.50")).to_be_visible()
    ann.page.get_by_role("button", name="Send to review").click()
    expect(ann.page.get_by_role("button", name="Issue bill")).to_be_visible()
    ann.page.get_by_role("button", name="Issue bill").click()
    expect(ann.page.get_by_text("Issued", exact=True)).to_be_visible()
    check_accessibility(ann.page, "bill breakdown")
    save_screenshot(ann.page, "bill-review")
    ann.page.get_by_role("heading", name="Who pays what, and why").evaluate("h => h.scrollIntoView({block: 'start'})")
    save_screenshot(ann.page, "bill-breakdown")

    # Bob reads why he owes what he owes: 70 % by his 50 of 200 kWh, 30 % by his 30 of 100 m²
    bob.page.goto(f"/groups/{group_id}/bills")
    bob.page.get_by_role("link", name=re.compile(r"^Bill ·")).click()
    share = bob.page.get_by_role("listitem", name="Bob: €26.50")
    expect(share.get_by_role("row", name=re.compile(r"Consumption 70%"))).to_contain_text("50 of 200 kWh")
    days = (end - start).days + 1
    expect(share.get_by_role("row", name=re.compile(r"Area 30%"))).to_contain_text(f"30 m² \u00d7 {days} days present")

    # -- payments: Bob records his own from the settle-up plan, Ann records Cy's -----------------------------------
    bob.page.goto(f"/groups/{group_id}/balances")
    bob.page.get_by_role("listitem").filter(has_text="Bob pays Ann").get_by_role("button", name="Record this").click()
    bob.page.get_by_role("button", name="Record payment").click()
    expect(bob.page.get_by_text("Payment recorded.")).to_be_visible()

    open_tab(ann, "Balances")
    expect(ann.page.get_by_role("listitem").filter(has_text="Cy pays Ann €26.50")).to_be_visible()
    check_accessibility(ann.page, "balances")
    save_screenshot(ann.page, "balances-settle-up")
    ann.page.get_by_role("listitem").filter(has_text="Cy pays Ann").get_by_role("button", name="Record this").click()
    ann.page.get_by_role("button", name="Record payment").click()
    expect(ann.page.get_by_text("Everyone is square.")).to_be_visible()
    for person in (ann, bob, cy):
        row = ann.page.get_by_role("row", name=re.compile(rf"^{person.name}\b"))
        expect(row.get_by_role("cell").last).to_have_text("€0.00")

    _, ledger = stack.api("GET", f"/groups/{group_id}/balances", token=ann_token)
    assert {b["balance"] for b in ledger["balances"]} == {"0.00"}, ledger
    assert len(stack.api("GET", f"/groups/{group_id}/payments", token=ann_token)[1]["items"]) == 2

    # -- CSV import: a refused file lists its rows, nothing is imported; the corrected file goes in whole -----------
    open_tab(ann, "Meters")
    ann.page.get_by_role("link", name="Import readings").click()
    now = datetime.now(BERLIN).replace(microsecond=0) - timedelta(minutes=5)
    row = now.isoformat()
    header = "meter_serial,value,taken_at"
    ann.page.get_by_label("CSV content").fill(f"{header}\nSUB-ANN,101,{row}\nNO-SUCH-METER,7,{row}\n")
    ann.page.get_by_role("button", name="Import readings").click()
    report = ann.page.get_by_role("table", name="Rows that were refused")
    expect(report.get_by_role("cell").first).to_be_visible()  # at least one refused row, with its line and reason
    check_accessibility(ann.page, "import report")
    ann.page.get_by_label("CSV content").fill(f"{header}\nSUB-ANN,101,{row}\n")
    ann.page.get_by_role("button", name="Import readings").click()
    expect(ann.page.get_by_text("Imported 1 readings for 1 meters")).to_be_visible()
    ann.page.goto(f"/groups/{group_id}/review")
    expect(ann.page.get_by_role("heading", name="Review flagged readings")).to_be_visible()
    check_accessibility(ann.page, "review queue")

    # -- the other main screens pass axe too -------------------------------------------------------------------------
    open_tab(ann, "Usage")
    expect(ann.page.get_by_role("img", name=re.compile("Consumption per period"))).to_be_visible()
    check_accessibility(ann.page, "usage chart")
    save_screenshot(ann.page, "usage-chart")
    ann.page.get_by_role("link", name="Account").click()
    expect(ann.page.get_by_role("heading", name="Your account")).to_be_visible()
    check_accessibility(ann.page, "account")
    for person in (ann, bob, cy):
        person.context.close()
