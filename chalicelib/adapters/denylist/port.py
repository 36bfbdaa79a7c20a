"""The denylist port: what the sessions service needs to make revocation immediate for access tokens.

An access token is a signed JWT that stays valid until it expires (15 minutes); revoking its session or the token itself
puts it on this list until then, and every authenticated request asks the list once. The port owns its error: an
adapter that cannot reach its backend raises ``DenylistUnavailable`` (a ``ServiceUnavailable``: 503 with
``Retry-After``), so a request is refused rather than let through unchecked (fail closed) and never becomes a 500.
"""

from __future__ import annotations

from typing import Protocol

from chalicelib.domain.errors import ServiceUnavailable


class DenylistUnavailable(ServiceUnavailable):
    """The denylist's backend could not be reached; raised ``from`` the client's exception."""


class Denylist(Protocol):
    def deny_session(self, session_id: str, *, seconds: int) -> None:
        """Refuse every access token of the session for ``seconds`` (at least its tokens' remaining life)."""
        ...

    def deny_token(self, session_id: str, token_id: str, *, seconds: int) -> None:
        """Refuse one access token (``jti``) of the session for ``seconds``."""
        ...

    def is_denied(self, session_id: str, token_id: str) -> bool:
        """Whether the token or its session was revoked: one round trip."""
        ...
