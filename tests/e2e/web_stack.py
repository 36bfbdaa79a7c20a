"""The web app's real stack for browser tests: `python -m tools.run`, make run's supervisor (embedded redis-server,
the API on embedded defaults, the web server that serves web/dist and proxies /api), on free ports with a fresh data
directory.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "web" / "dist"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class WebStack:
    """API + web server for one test session; `web` is the app's origin, `/api/...` reaches the API through it."""

    def __init__(self, data_dir: Path) -> None:
        self.api_port, self.web_port = free_port(), free_port()
        self.web = f"http://127.0.0.1:{self.web_port}"
        unset = {"REDIS_URL", "MONGODB_URI", "SES_SENDER", "PHOTO_BUCKET"}
        env = {k: v for k, v in os.environ.items() if k not in unset}
        env |= {"SHAREMETER_DATA_DIR": str(data_dir), "PUBLIC_APP_URL": self.web, "PYTHONUNBUFFERED": "1"}
        command = [sys.executable, "-m", "tools.run", "--port", str(self.api_port), "--web-port", str(self.web_port),
                   "--no-reload", "--no-build"]  # make run's supervisor; the fixture builds web/dist (make web-build)
        self.log = (data_dir / "stack.log").open("w")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if self.api("GET", "/health")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise AssertionError(f"the web stack did not come up: {Path(self.log.name).read_text()[-2000:]}")

    def api(self, method: str, path: str, body: Any = None, token: str | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """A call through the web server's /api proxy, as the app makes it."""
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.web}/api{path}", data=data, method=method, headers=sent)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=15) as reply:  # noqa: S310 (only ever http://127.0.0.1)
                raw = reply.read()
                return reply.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raw = error.read()
            return error.code, json.loads(raw) if raw else None

    def outbox(self, recipient: str) -> list[dict[str, Any]]:
        status, messages = self.api("GET", f"/dev/outbox?recipient={urllib.request.quote(recipient)}")
        assert status == 200, messages
        return list(messages)

    def code_for(self, recipient: str) -> str:
        """The newest 6-digit code sent to ``recipient`` (verification, sign-in code)."""
        for message in self.outbox(recipient):
            found = re.search(r"\b(\d{6})\b", message["body"])
            if found:
                return found.group(1)
        raise AssertionError(f"no code sent to {recipient}")

    def link_for(self, recipient: str, path_part: str) -> str:
        """The newest link containing ``path_part`` sent to ``recipient`` (links land on the app's origin)."""
        for message in self.outbox(recipient):
            for url in re.findall(r"https?://\S+", message["body"]):
                if path_part in url:
                    assert url.startswith(f"{self.web}/"), f"a link outside the app: {url}"
                    return url
        raise AssertionError(f"no {path_part} link sent to {recipient}")

    def token(self, email: str, password: str) -> str:
        status, answer = self.api("POST", "/auth/login", {"email": email, "password": password})
        assert status == 200 and "access_token" in answer, answer
        return str(answer["access_token"])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()
