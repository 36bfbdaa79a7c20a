"""Forward one HTTP request from a ``BaseHTTPRequestHandler`` to an upstream server, streaming both bodies.

Every end-to-end header goes through unchanged (cookies, ``Authorization``, ``Idempotency-Key``, ``If-Match``,
``Origin``, ``Sec-Fetch-*``) and every answer header comes back (each ``Set-Cookie`` separately); hop-by-hop headers
(RFC 9110 7.6.1) stay on their hop. ``Host`` becomes the upstream's, as CloudFront's origin request policy does in
production, and ``X-Forwarded-For``/``-Host``/``-Proto`` say who asked.
"""

from __future__ import annotations

import contextlib
import http.client
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from http.server import BaseHTTPRequestHandler

CHUNK_BYTES = 64 * 1024
UPSTREAM_TIMEOUT_SECONDS = 120.0
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer",
     "transfer-encoding", "upgrade", "expect"}  # expect: this hop already answered 100-continue
)
FORWARDING = frozenset({"host", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto"})

Address = tuple[str, int]
# The upstream for one request, held while it is served (a reloading API drains the old server before stopping it);
# None while there is none (stopping).
Upstream = Callable[[], AbstractContextManager[Address | None]]


def fixed_upstream(address: Address) -> Upstream:
    @contextlib.contextmanager
    def hold() -> Iterator[Address]:
        yield address

    return hold


def forward(handler: BaseHTTPRequestHandler, upstream: Upstream, path: str) -> None:
    """Send ``handler``'s request to ``upstream`` as ``path`` (path and query) and stream the answer back."""
    with upstream() as address:
        if address is None:
            handler.close_connection = True
            _bad_gateway(handler)
            return
        host, port = address
        connection = http.client.HTTPConnection(host, port, timeout=UPSTREAM_TIMEOUT_SECONDS)
        try:
            try:
                _send_request(handler, connection, path, (host, port))
                answer = connection.getresponse()
            except OSError:
                handler.close_connection = True  # the request body may be half read
                _bad_gateway(handler)
                return
            _relay_answer(handler, answer)
        finally:
            connection.close()


def _send_request(
    handler: BaseHTTPRequestHandler, connection: http.client.HTTPConnection, path: str, address: Address
) -> None:
    named_by_connection = {token.strip().lower() for token in handler.headers.get("connection", "").split(",")}
    connection.putrequest(handler.command, path, skip_host=True, skip_accept_encoding=True)
    for name, value in handler.headers.items():
        lowered = name.lower()
        if lowered not in HOP_BY_HOP and lowered not in FORWARDING and lowered not in named_by_connection:
            connection.putheader(name, value)
    connection.putheader("Host", f"{address[0]}:{address[1]}")
    previous_hops = handler.headers.get("x-forwarded-for")
    client = handler.client_address[0]
    connection.putheader("X-Forwarded-For", f"{previous_hops}, {client}" if previous_hops else client)
    connection.putheader("X-Forwarded-Host", handler.headers.get("host", ""))
    connection.putheader("X-Forwarded-Proto", "http")
    chunked = "chunked" in handler.headers.get("transfer-encoding", "").lower()
    length = int(handler.headers.get("content-length") or 0)
    if chunked:
        connection.putheader("Transfer-Encoding", "chunked")
    elif length or handler.command in {"POST", "PUT", "PATCH"}:
        connection.putheader("Content-Length", str(length))
    connection.endheaders()
    for piece in _chunked_body(handler) if chunked else _sized_body(handler, length):
        connection.send(f"{len(piece):X}\r\n".encode() + piece + b"\r\n" if chunked else piece)
    if chunked:
        connection.send(b"0\r\n\r\n")


def _sized_body(handler: BaseHTTPRequestHandler, length: int) -> Iterator[bytes]:
    remaining = length
    while remaining > 0:
        piece = handler.rfile.read(min(CHUNK_BYTES, remaining))
        if not piece:
            raise ConnectionError("the client closed the connection mid-body")
        remaining -= len(piece)
        yield piece


def _chunked_body(handler: BaseHTTPRequestHandler) -> Iterator[bytes]:
    while True:
        size_line = handler.rfile.readline(1024)
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while handler.rfile.readline(1024) not in {b"\r\n", b"\n", b""}:  # trailers, dropped
                pass
            return
        yield from _sized_body(handler, size)
        handler.rfile.readline(1024)  # the CRLF after each chunk


def _relay_answer(handler: BaseHTTPRequestHandler, answer: http.client.HTTPResponse) -> None:
    handler.send_response_only(answer.status, answer.reason)
    named_by_connection = {token.strip().lower() for token in (answer.getheader("connection") or "").split(",")}
    for name, value in answer.getheaders():
        if name.lower() not in HOP_BY_HOP and name.lower() not in named_by_connection:
            handler.send_header(name, value)
    has_body = handler.command != "HEAD" and answer.status not in {204, 304}
    # an answer of unknown length goes on in chunks (HTTP/1.1) or until the connection closes (an HTTP/1.0 client)
    chunked = has_body and answer.getheader("content-length") is None and handler.request_version != "HTTP/1.0"
    if has_body and answer.getheader("content-length") is None and not chunked:
        handler.close_connection = True
    if chunked:
        handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    if has_body:
        while piece := answer.read1(CHUNK_BYTES):
            handler.wfile.write(f"{len(piece):X}\r\n".encode() + piece + b"\r\n" if chunked else piece)
        if chunked:
            handler.wfile.write(b"0\r\n\r\n")
    handler.wfile.flush()


def _bad_gateway(handler: BaseHTTPRequestHandler) -> None:
    body = json.dumps({
        "type": "https://sharemeter.dev/problems/bad-gateway", "title": "The API is not reachable", "status": 502,
        "detail": "the local API server did not answer; see make run's output",
    }).encode()
    handler.send_response(502)
    handler.send_header("Content-Type", "application/problem+json")
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Cache-Control", "no-store")
    handler.end_headers()
    handler.wfile.write(body)
