"""The web app's security headers: one definition for production (the CloudFront response headers policy in
``infra/template.py``) and for ``make run``'s web server (``tools/devserver/webapp.py``), so the app meets the same
policy on 127.0.0.1 as behind CloudFront (OWASP ASVS 5.0 V3.4).

The Content-Security-Policy allows scripts, styles, workers and the manifest from the app's own origin only (no
``'unsafe-inline'``, no ``'unsafe-eval'``), API calls to the same origin (``/api/...``), images also as ``data:``
(the TOTP QR code) and ``blob:`` (a photo preview), and no framing. Production adds the photo bucket's origin for
presigned uploads and downloads.
"""

from __future__ import annotations

from collections.abc import Sequence

HSTS_MAX_AGE_SECONDS = 63_072_000  # two years (ASVS V3.4.1 asks for at least one)
REFERRER_POLICY = "no-referrer"  # links carry one-time tokens in their query: never send them on (ASVS V3.4.5)
FRAME_OPTION = "DENY"
CUSTOM_HEADERS = {
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_SELF = ("'self'",)
_DIRECTIVES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("default-src", _SELF),
    ("script-src", _SELF),
    ("style-src", _SELF),
    ("img-src", (*_SELF, "data:", "blob:")),
    ("font-src", _SELF),
    ("connect-src", _SELF),
    ("worker-src", _SELF),
    ("manifest-src", _SELF),
    ("media-src", (*_SELF, "blob:")),
    ("object-src", ("'none'",)),
    ("base-uri", ("'none'",)),
    ("form-action", _SELF),
    ("frame-src", ("'none'",)),
    ("frame-ancestors", ("'none'",)),
)
_PHOTO_DIRECTIVES = frozenset({"img-src", "connect-src"})


def content_security_policy(*, photo_origins: Sequence[str] = ()) -> str:
    """The policy; ``photo_origins`` (production: the photo bucket) may serve images and take uploads."""
    parts = []
    for directive, sources in _DIRECTIVES:
        extra = tuple(photo_origins) if directive in _PHOTO_DIRECTIVES else ()
        parts.append(" ".join((directive, *sources, *extra)))
    return "; ".join(parts)


def security_headers(*, photo_origins: Sequence[str] = ()) -> dict[str, str]:
    """Every security header of an app answer, as HTTP sends it."""
    return {
        "Content-Security-Policy": content_security_policy(photo_origins=photo_origins),
        "Strict-Transport-Security": f"max-age={HSTS_MAX_AGE_SECONDS}; includeSubDomains",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": FRAME_OPTION,
        "Referrer-Policy": REFERRER_POLICY,
        **CUSTOM_HEADERS,
    }
