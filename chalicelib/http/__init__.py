"""The HTTP edge: one decorator turns a plain function into a validated, authorized, problem+json-speaking route.

``route(bp, "/path", "POST", body=Model, ...)`` registers the view with Chalice (Chalice stays the route table) and
records the endpoint's models for OpenAPI (``chalicelib.openapi``). One job per module:

- ``routing``: the ``route`` decorator, the endpoint registry, the request context and the pipeline every view runs in
  (content type and size, authentication, validation, the view, its answer).
- ``parsing``: body and query validation with pydantic in strict mode (a JSON number where a string is declared is
  refused, unknown fields are refused) into field problems, and the edge's own errors.
- ``problems``: the one table from ``DomainError`` classes to HTTP status, and RFC 9457 ``application/problem+json``.
- ``responses``: ``Reply`` (and ``idempotent_reply``: 201, or 200 with ``Idempotent-Replayed``), the headers every
  answer carries, and rendering a view's result.
- ``etags``: ``ETag`` out, ``If-Match`` in (optimistic concurrency on the wire).
- ``conformance``: declared responses are checked: an answer against its ``response=`` model (``check_responses``).
- ``token_cookie``: the refresh token in an HttpOnly cookie for browsers (``X-Token-Transport: cookie``), with its
  CSRF check.
"""

from chalicelib.http.etags import expected_version, tagged
from chalicelib.http.parsing import PayloadTooLarge, UnsupportedMediaType
from chalicelib.http.responses import Reply, idempotent_reply
from chalicelib.http.routing import ENDPOINTS, Endpoint, RequestContext, route, use_container

__all__ = [
    "ENDPOINTS",
    "Endpoint",
    "PayloadTooLarge",
    "Reply",
    "RequestContext",
    "UnsupportedMediaType",
    "expected_version",
    "idempotent_reply",
    "route",
    "tagged",
    "use_container",
]
