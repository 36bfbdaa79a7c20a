"""Browser fixtures: the real web stack once per session and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.web_stack import CHROMIUM, CHROMIUM_ARGS, DIST, WebStack

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="session")
def web_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebStack]:
    if not (DIST / "index.html").exists():
        pytest.fail("web/dist is missing: `make web-build` builds the app the browser tests serve")
    stack = WebStack(tmp_path_factory.mktemp("web-stack"))
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (.ci/run does it)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)  # generous: CI shares 2 cores with the rest of the suite (no timing assertions)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def save_screenshot(page: object, name: str) -> None:
    """docs/screenshots/<name>.png from the real app, only when UPDATE_SCREENSHOTS=1 (CI keeps the tree clean)."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)  # type: ignore[attr-defined]
