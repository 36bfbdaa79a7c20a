"""QR codes for TOTP enrolment, rendered as an SVG ``data:`` URI (segno, pure Python, no image libraries).

The URI carries the TOTP secret: return it to the enrolling user only, over TLS, with ``Cache-Control: no-store``;
never log it. The PWA shows it in ``<img src=...>``, so the page's CSP needs ``img-src data:``.
"""

from __future__ import annotations

import segno

MAX_URI_CHARS = 2048
_SCHEME = "otpauth://"


def otpauth_qr_svg_data_uri(uri: str, *, scale: int = 4) -> str:
    """``data:image/svg+xml;...`` showing ``uri`` as a QR code (error correction M or better, 4-module quiet zone).

    Raises ``ValueError`` (without echoing the URI) unless ``uri`` is an ``otpauth://`` URI of at most 2048 characters.
    """
    if not isinstance(uri, str) or not uri.startswith(_SCHEME) or len(uri) > MAX_URI_CHARS:
        raise ValueError("expected an otpauth:// URI of at most 2048 characters")
    if not 1 <= scale <= 20:
        raise ValueError("scale must be between 1 and 20")
    code = segno.make(uri, error="m", micro=False)
    return str(code.svg_data_uri(scale=scale, border=4, title="Scan with your authenticator app"))
