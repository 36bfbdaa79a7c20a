"""Links in emails and SMS open pages of the web app (``PUBLIC_APP_URL``), which finish the step through the API.

One place names the pages the web app serves for them (the web app contract): a link never points at an API path.
"""

from __future__ import annotations

from urllib.parse import urlencode

VERIFY_EMAIL = "/verify-email"  # ?token=
RESET_PASSWORD = "/reset-password"  # noqa: S105 (a page path) ?token=&email=
ACCEPT_INVITATION = "/invitations/accept"  # ?token=


def app_link(app_url: str, page: str, **query: str) -> str:
    """``https://app.example.org/verify-email?token=...``: the app's page with its query, URL-encoded."""
    return f"{app_url}{page}?{urlencode(query)}"
