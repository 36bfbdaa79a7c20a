"""QR code for TOTP enrolment."""

from __future__ import annotations

import urllib.parse

import pytest

from chalicelib.adapters.qr import otpauth_qr_svg_data_uri

URI = "otpauth://totp/Sharemeter:jane%40example.org?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Sharemeter"


def test_returns_an_svg_data_uri() -> None:
    data_uri = otpauth_qr_svg_data_uri(URI)
    assert data_uri.startswith("data:image/svg+xml;charset=utf-8,")
    svg = urllib.parse.unquote(data_uri.split(",", 1)[1])
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "JBSWY3DP" not in svg  # the secret is drawn as modules, not written as text


def test_same_uri_same_image() -> None:
    assert otpauth_qr_svg_data_uri(URI) == otpauth_qr_svg_data_uri(URI)


@pytest.mark.parametrize("uri", ["https://example.org", "javascript:alert(1)", "otpauth://" + "a" * 3000, ""])
def test_only_otpauth_uris_are_drawn(uri: str) -> None:
    with pytest.raises(ValueError) as info:
        otpauth_qr_svg_data_uri(uri)
    assert uri[:20] not in str(info.value) or not uri
