"""The web app's first load in Debian's headless Chromium: JavaScript + CSS transferred (gzipped; budget 150 kB) and
the time until the sign-in screen is usable, against a baseline measured in the same run: a minimal static page with
one "Sign in" button, served by the same server.

Each sample is a fresh browser context (empty HTTP cache, no service worker) opening /sign-in. "Usable" is the moment
a MutationObserver (installed before any page script) first sees an enabled "Sign in" button, in the page's own clock
(ms since navigation start). Samples of app and baseline alternate so machine noise hits both alike; figures are
medians. Sizes are gzip level 6 (what a CDN or nginx sends) of each JS/CSS response the page itself requested.
Needs web/dist (`make web-build`). Run: ``python -m bench.bench_web [rounds]``.
"""

from __future__ import annotations

import gzip
import statistics
import sys
import tempfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.web_stack import CHROMIUM, CHROMIUM_ARGS, DIST, PHONE  # noqa: E402 (after the sys.path line)

BUDGET_KB = 150.0
BASELINE_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>baseline</title></head>
<body><main><h1>Sign in</h1><button type="button">Sign in</button></main></body></html>"""
WATCH_USABLE = """(() => {
  const look = () => {
    if (window.__usable !== undefined) return;
    const button = [...document.querySelectorAll('button')]
      .find(b => b.textContent.trim() === 'Sign in' && !b.disabled);
    if (button) window.__usable = performance.now();
  };
  new MutationObserver(look).observe(document, {childList: true, subtree: true, attributes: true});
  document.addEventListener('DOMContentLoaded', look);
})();"""


class _Quiet(SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {**SimpleHTTPRequestHandler.extensions_map,
                                                ".webmanifest": "application/manifest+json"}

    def log_message(self, *args: Any) -> None:
        pass

    def send_head(self) -> Any:
        path = self.path.split("?", 1)[0]
        if not Path(self.translate_path(path)).exists() and "." not in path.rsplit("/", 1)[-1]:
            self.path = "/index.html"  # the SPA fallback, as make run's web server and CloudFront do
        return super().send_head()


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a context closed while its service worker precached
            super().handle_error(request, client_address)


def _serve(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    server = _Server(("127.0.0.1", 0), partial(_Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _sample(browser: Any, url: str) -> tuple[float, int]:
    context = browser.new_context(viewport=PHONE)
    context.add_init_script(WATCH_USABLE)
    page = context.new_page()
    sizes: list[int] = []

    def on_response(response: Any) -> None:
        kind = response.request.resource_type
        if kind in {"script", "stylesheet"} and response.ok:
            sizes.append(len(gzip.compress(response.body(), compresslevel=6)))

    page.on("response", on_response)
    page.goto(url, wait_until="load")
    page.wait_for_function("window.__usable !== undefined", timeout=30_000)
    usable_ms = float(page.evaluate("window.__usable"))
    page.wait_for_load_state("networkidle")
    context.close()
    return usable_ms, sum(sizes)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    if not (DIST / "index.html").exists():
        raise SystemExit("web/dist is missing: run `make web-build` first")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        Path(scratch, "index.html").write_text(BASELINE_HTML)
        app_server, app_url = _serve(DIST)
        base_server, base_url = _serve(Path(scratch))
        samples: dict[str, list[tuple[float, int]]] = {"app": [], "baseline": []}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            _sample(browser, f"{app_url}/sign-in")  # warm the OS file cache and Chromium's process pool once
            _sample(browser, f"{base_url}/sign-in")
            for _ in range(rounds):
                samples["app"].append(_sample(browser, f"{app_url}/sign-in"))
                samples["baseline"].append(_sample(browser, f"{base_url}/sign-in"))
            browser.close()
        app_server.shutdown()
        base_server.shutdown()

    app_ms = statistics.median(s[0] for s in samples["app"])
    base_ms = statistics.median(s[0] for s in samples["baseline"])
    app_kb = statistics.median(s[1] for s in samples["app"]) / 1000
    size = f"{PHONE['width']}x{PHONE['height']}"
    print(f"web app first load in headless Chromium, {size}, median of {rounds} fresh contexts")
    print(f"{'measure':<40}{'app':>10}{'baseline':>11}{'ratio':>8}")
    print(f"{'JS + CSS transferred, gzip (kB)':<40}{app_kb:>10.1f}{BUDGET_KB:>11.1f}{app_kb / BUDGET_KB:>8.2f}"
          "   (baseline: the 150 kB budget)")
    print(f"{'time to a usable sign-in screen (ms)':<40}{app_ms:>10.1f}{base_ms:>11.1f}{app_ms / base_ms:>8.2f}"
          "   (baseline: static page, one button)")
    if app_kb > BUDGET_KB:
        raise SystemExit(f"over budget: {app_kb:.1f} kB > {BUDGET_KB:.0f} kB")


if __name__ == "__main__":
    main()
