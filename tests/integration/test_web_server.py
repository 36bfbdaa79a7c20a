"""``make run``'s web server (``tools/devserver/webapp.py``) against a real upstream on loopback: the app's files with
the SPA fallback and production's security headers, and ``/api/*`` proxied with the prefix stripped, every end-to-end
header through both ways, bodies streamed."""

from __future__ import annotations

import gzip
import http.client
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from infra.web_headers import security_headers
from tools.devserver.processes import free_port
from tools.devserver.proxy import fixed_upstream
from tools.devserver.webapp import WebServer

BIG = 3 * 1024 * 1024 + 17  # several proxy chunks


class EchoHandler(BaseHTTPRequestHandler):
    """The stand-in API: answers with what it received; ``/stream`` answers in chunks of unknown total length."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path == "/stream":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (b"one,", b"two,", b"three"):
                self.wfile.write(f"{len(piece):X}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        body = self._body()
        echo = json.dumps({
            "method": self.command, "path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
            "body_length": len(body), "body_tail": body[-16:].decode("latin-1"),
        }).encode()
        self.send_response(201 if self.command == "POST" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Set-Cookie", "sm_refresh=abc; HttpOnly; Secure; SameSite=Strict; Path=/api/auth")
        self.send_header("Set-Cookie", "other=1; Path=/")
        self.send_header("Content-Length", str(len(echo)))
        self.end_headers()
        self.wfile.write(echo)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", ""):
            pieces = []
            while size := int(self.rfile.readline().strip(), 16):
                pieces.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(pieces)
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> dict[str, object]:
        loaded: dict[str, object] = json.loads(self.body)
        return loaded


@dataclass
class Site:
    port: int
    dist: Path

    def call(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None,
             *, chunked: bool = False) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            if chunked:
                connection.putrequest(method, path)
                for name, value in (headers or {}).items():
                    connection.putheader(name, value)
                connection.putheader("Transfer-Encoding", "chunked")
                connection.endheaders()
                data = body or b""
                for start in range(0, len(data), 1000):
                    piece = data[start:start + 1000]
                    connection.send(f"{len(piece):X}\r\n".encode() + piece + b"\r\n")
                connection.send(b"0\r\n\r\n")
            else:
                connection.request(method, path, body=body, headers=headers or {})
            answer = connection.getresponse()
            return Reply(answer.status, answer.headers, answer.read())
        finally:
            connection.close()


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def api_server() -> Iterator[ThreadingHTTPServer]:
    yield from _serve(EchoHandler)


def _dist(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>sharemeter</title>" + "<p>shell</p>" * 200)
    (dist / "assets" / "index-3f2a1b.js").write_text("console.log('app');" * 100)
    (dist / "manifest.webmanifest").write_text('{"name": "sharemeter"}')
    (dist / "sw.js").write_text("self.addEventListener('fetch', () => {});")
    (tmp_path / "secret.txt").write_text("outside dist")
    return dist


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, api_server: ThreadingHTTPServer) -> Iterator[Site]:
    """One app server for the module's read-only tests (a server's shutdown waits out its poll interval)."""
    dist = _dist(tmp_path_factory.mktemp("site"))
    port = free_port()
    server = WebServer(host="127.0.0.1", port=port, dist=dist,
                       upstream=fixed_upstream(("127.0.0.1", api_server.server_address[1])))
    server.start()
    yield Site(port, dist)
    server.stop()


def test_api_requests_reach_the_api_with_the_prefix_stripped_and_the_query_kept(site: Site) -> None:
    reply = site.call("GET", "/api/groups/g1/bills?cursor=abc&limit=5")
    assert reply.status == 200
    assert reply.json()["path"] == "/groups/g1/bills?cursor=abc&limit=5"
    assert site.call("GET", "/api").json()["path"] == "/"


def test_end_to_end_headers_pass_and_hop_by_hop_headers_stay_behind(site: Site) -> None:
    sent = {
        "Authorization": "Bearer t0k3n", "Cookie": "sm_refresh=r1; other=2", "Idempotency-Key": "k-1",
        "If-Match": '"3"', "Origin": "http://127.0.0.1", "Sec-Fetch-Site": "same-origin",
        "X-Token-Transport": "cookie", "Content-Type": "application/json", "Connection": "keep-alive, X-Secret-Hop",
        "X-Secret-Hop": "only for the first hop", "Keep-Alive": "timeout=5",
    }
    reply = site.call("POST", "/api/auth/refresh", b"{}", sent)
    received = reply.json()["headers"]
    assert isinstance(received, dict)
    for name in ("authorization", "cookie", "idempotency-key", "if-match", "origin", "sec-fetch-site",
                 "x-token-transport", "content-type"):
        assert received[name] == sent[next(k for k in sent if k.lower() == name)]
    assert "x-secret-hop" not in received and "keep-alive" not in received
    assert received["host"].startswith("127.0.0.1:") and received["x-forwarded-for"] == "127.0.0.1"
    assert reply.status == 201


def test_every_set_cookie_of_the_api_reaches_the_browser(site: Site) -> None:
    reply = site.call("POST", "/api/auth/login", b"{}", {"Content-Type": "application/json"})
    assert reply.headers.get_all("Set-Cookie") == [
        "sm_refresh=abc; HttpOnly; Secure; SameSite=Strict; Path=/api/auth", "other=1; Path=/",
    ]


def test_large_and_chunked_request_bodies_are_streamed_through_whole(site: Site) -> None:
    body = bytes(range(256)) * (BIG // 256) + b"the-very-end!"
    sized = site.call("PUT", "/api/dev/photos?key=k", body, {"Content-Type": "image/jpeg"}).json()
    assert sized["body_length"] == len(body) and sized["body_tail"] == body[-16:].decode("latin-1")
    chunked = site.call("POST", "/api/readings/import", b"a,b\n" * 5000, {"Content-Type": "text/csv"}, chunked=True)
    assert chunked.json()["body_length"] == 20000


def test_an_answer_of_unknown_length_is_relayed_in_full(site: Site) -> None:
    reply = site.call("GET", "/api/stream")
    assert reply.status == 200 and reply.body == b"one,two,three"


def test_the_api_down_is_a_502_problem(tmp_path: Path) -> None:
    server = WebServer(host="127.0.0.1", port=free_port(), dist=_dist(tmp_path),
                       upstream=fixed_upstream(("127.0.0.1", free_port())))
    server.start()
    try:
        reply = Site(server.port, tmp_path).call("POST", "/api/auth/login", b"{}", {"Content-Type": "application/json"})
    finally:
        server.stop()
    assert reply.status == 502 and reply.headers["Content-Type"] == "application/problem+json"
    assert reply.json()["type"] == "https://sharemeter.dev/problems/bad-gateway"


@pytest.mark.parametrize("path", ["/", "/groups/abc/bills", "/invitations/accept?token=t", "/verify-email"])
def test_app_routes_get_the_shell(site: Site, path: str) -> None:
    reply = site.call("GET", path)
    assert reply.status == 200 and reply.body.startswith(b"<!doctype html>")
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert reply.headers["Cache-Control"] == "no-cache"


def test_a_missing_file_with_an_extension_is_404_not_the_shell(site: Site) -> None:
    assert site.call("GET", "/assets/missing-123.js").status == 404


@pytest.mark.parametrize("path", ["/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                                  "/assets/%2e%2e/%2e%2e/secret.txt", "/.env", "/assets%5c..%5c..%5csecret.txt"])
def test_nothing_outside_dist_is_served(site: Site, path: str) -> None:
    reply = site.call("GET", path)
    assert b"outside dist" not in reply.body
    assert reply.status in {200, 404}  # the shell or nothing


def test_hashed_assets_are_immutable_and_the_rest_revalidates(site: Site) -> None:
    asset = site.call("GET", "/assets/index-3f2a1b.js")
    assert asset.status == 200 and asset.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    worker = site.call("GET", "/sw.js")
    assert worker.headers["Cache-Control"] == "no-cache"
    manifest = site.call("GET", "/manifest.webmanifest")
    assert manifest.headers["Content-Type"] == "application/manifest+json"
    again = site.call("GET", "/sw.js", headers={"If-None-Match": worker.headers["ETag"]})
    assert again.status == 304 and again.body == b""


def test_text_is_gzipped_for_browsers_that_accept_it(site: Site) -> None:
    reply = site.call("GET", "/assets/index-3f2a1b.js", headers={"Accept-Encoding": "gzip, br"})
    assert reply.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(reply.body) == (site.dist / "assets" / "index-3f2a1b.js").read_bytes()
    assert "Content-Encoding" not in site.call("GET", "/assets/index-3f2a1b.js").headers


@pytest.mark.parametrize("path", ["/", "/assets/index-3f2a1b.js", "/assets/missing.js"])
def test_app_answers_carry_productions_security_headers_asvs_v3_4(site: Site, path: str) -> None:
    """ASVS 5.0 V3.4.1-V3.4.6: HSTS, CSP without unsafe-inline scripts, nosniff, framing refused, referrer policy."""
    reply = site.call("GET", path)
    for name, value in security_headers().items():
        assert reply.headers[name] == value
    policy = reply.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'" and "unsafe" not in policy
    assert directives["connect-src"] == "'self'" and directives["worker-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


def test_api_answers_keep_the_apis_own_headers(site: Site) -> None:
    reply = site.call("GET", "/api/health")
    assert "Content-Security-Policy" not in reply.headers  # the stand-in API sets none; the app's is not added


def test_writes_to_the_app_itself_are_refused(site: Site) -> None:
    reply = site.call("POST", "/groups", b"{}", {"Content-Type": "application/json"})
    assert reply.status == 405 and reply.headers["Allow"] == "GET, HEAD"


def test_without_a_build_the_app_says_how_to_get_one(tmp_path: Path, api_server: ThreadingHTTPServer) -> None:
    server = WebServer(host="127.0.0.1", port=free_port(), dist=tmp_path / "dist",
                       upstream=fixed_upstream(("127.0.0.1", api_server.server_address[1])),
                       prepare=lambda: "web/ has no web app yet")
    server.start()
    try:
        site = Site(server.port, tmp_path / "dist")
        shell = site.call("GET", "/")
        api = site.call("GET", "/api/health")
    finally:
        server.stop()
    assert shell.status == 503 and b"web/ has no web app yet" in shell.body
    assert api.status == 200  # the API is reachable through the app's origin all the same
