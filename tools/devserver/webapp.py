"""The web app's server for ``make run``, shaped like production's CloudFront: ``web/dist`` as static files with the
SPA fallback (a path whose last segment has no file extension gets ``index.html``), every request under ``/api/``
proxied to the API with the prefix stripped (production's ``/api/*`` behaviour), and the app's security headers
(``infra/web_headers.py``) on every answer that is not the API's own.

Hashed build assets (``/assets/...``) are cached for a year; everything else (``index.html``, the service worker, the
manifest) is revalidated on every load (``no-cache`` with an ``ETag``). Text is gzipped when the browser accepts it,
as CloudFront compresses.
"""

from __future__ import annotations

import gzip
import mimetypes
import threading
from collections.abc import Callable
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import cast
from urllib.parse import unquote, urlsplit

from infra.web_headers import security_headers
from tools.devserver.proxy import Upstream, forward
from tools.devserver.supervisor import say

IMMUTABLE_PREFIX = "/assets/"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".json": "application/json", ".webmanifest": "application/manifest+json", ".map": "application/json",
    ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon", ".webp": "image/webp",
    ".woff2": "font/woff2", ".txt": "text/plain; charset=utf-8", ".wasm": "application/wasm",
}
COMPRESSIBLE = ("text/", "application/json", "application/manifest+json", "image/svg+xml")
MIN_GZIP_BYTES = 1024
SPA_SHELL = "index.html"


class AppHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], *, dist: Path, upstream: Upstream, api_prefix: str,
                 missing_build: str) -> None:
        super().__init__(address, AppRequestHandler)
        self.dist = dist
        self.upstream = upstream
        self.api_prefix = api_prefix
        self.missing_build = missing_build
        self.app_headers = security_headers()


class AppRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sharemeter-dev"

    @property
    def app(self) -> AppHttpServer:
        return cast("AppHttpServer", self.server)

    def do_GET(self) -> None:
        self._dispatch(static=True)

    def do_HEAD(self) -> None:
        self._dispatch(static=True)

    def do_POST(self) -> None:
        self._dispatch(static=False)

    do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_POST

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: chalice local already logs every API request, and static files are not news."""

    def _dispatch(self, *, static: bool) -> None:
        target = urlsplit(self.path)
        path = target.path
        prefix = self.app.api_prefix
        if path == prefix or path.startswith(prefix + "/"):
            upstream_path = path[len(prefix):] or "/"
            forward(self, self.app.upstream, upstream_path + (f"?{target.query}" if target.query else ""))
        elif static:
            self._serve_static(path)
        else:
            self._plain(405, "Method Not Allowed", extra={"Allow": "GET, HEAD"})

    def _serve_static(self, path: str) -> None:
        if not (self.app.dist / SPA_SHELL).is_file():
            self._plain(503, f"The web app is not built: {self.app.missing_build}")
            return
        file = self._resolve(unquote(path))
        if file is None:
            self._plain(404, "Not Found")
            return
        stat = file.stat()
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        content_type = _content_type(file)
        gzipped = "gzip" in self.headers.get("accept-encoding", "") and content_type.startswith(COMPRESSIBLE)
        headers = {
            "Content-Type": content_type,
            "Cache-Control": "public, max-age=31536000, immutable" if path.startswith(IMMUTABLE_PREFIX) else "no-cache",
            "ETag": etag,
            "Last-Modified": formatdate(stat.st_mtime, usegmt=True),
            "Vary": "Accept-Encoding",
        }
        if self.headers.get("if-none-match") == etag:
            self._answer(304, b"", headers)
            return
        body = file.read_bytes()
        if gzipped and len(body) >= MIN_GZIP_BYTES:
            body = gzip.compress(body, compresslevel=6, mtime=0)
            headers["Content-Encoding"] = "gzip"
        self._answer(200, body, headers)

    def _resolve(self, path: str) -> Path | None:
        """The SPA shell for an app route (no file extension in the last segment: the rule of production's CloudFront
        function), else the file inside dist, or None (never anything outside dist)."""
        dist = self.app.dist
        if "\x00" in path or "\\" in path:
            return None
        if is_app_route(path):
            return dist / SPA_SHELL  # /groups/abc: the app's router takes it from here
        parts = [part for part in PurePosixPath(path).parts if part not in {"/", ""}]
        if any(part in {".", ".."} or part.startswith(".") for part in parts):
            return None
        candidate = dist.joinpath(*parts)
        if candidate.is_file() and candidate.resolve().is_relative_to(dist.resolve()):
            return candidate
        return None

    def _plain(self, status: int, text: str, *, extra: dict[str, str] | None = None) -> None:
        headers = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", **(extra or {})}
        self._answer(status, text.encode(), headers)

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in {**headers, **self.app.app_headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and status != 304:
            self.wfile.write(body)


class WebServer:
    """The supervisor's ``web`` child: serves until stopped, in a thread of the supervisor's process."""

    name = "web"

    def __init__(self, *, host: str, port: int, dist: Path, upstream: Upstream, api_prefix: str = "/api",
                 prepare: Callable[[], str | None] = lambda: None) -> None:
        """``prepare`` runs at start (``make run``: build the app if needed) and says why there is no app, if so."""
        self._address = (host, port)
        self._dist = dist
        self._upstream = upstream
        self._api_prefix = api_prefix.rstrip("/")
        self._prepare = prepare
        self._server: AppHttpServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "start() first"
        return int(self._server.server_address[1])

    def start(self) -> None:
        problem = self._prepare()
        if problem:
            say(f"web app: {problem}")
        self._server = AppHttpServer(self._address, dist=self._dist, upstream=self._upstream,
                                     api_prefix=self._api_prefix,
                                     missing_build=problem or "run `make run` again, or `npm run build` in web/")
        self._thread = threading.Thread(target=self._server.serve_forever, name="web", daemon=True)
        self._thread.start()

    def check(self) -> None:
        """Nothing to do: the server thread lives as long as the supervisor."""

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def is_app_route(path: str) -> bool:
    """A path the app's router handles: its last segment has no dot (``/``, ``/groups/abc``, ``/verify-email``).
    Production's CloudFront function (``infra/app_hosting.py``) applies the same rule."""
    return "." not in path.rsplit("/", 1)[-1]


def _content_type(file: Path) -> str:
    return CONTENT_TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
