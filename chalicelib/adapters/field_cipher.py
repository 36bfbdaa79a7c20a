"""Field-level encryption for sensitive values at rest (TOTP secrets, later personal data).

``LocalFieldCipher`` uses AES-256-GCM with a key from Settings and binds each ciphertext to an encryption context
(the document and field it belongs to) as associated data, so a ciphertext copied into another record does not
decrypt. It is the only ``FieldCipher`` today; a KMS envelope adapter (the privacy work) would implement the same two
methods.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from typing import Protocol

VERSION = b"\x01"


class FieldCipher(Protocol):
    def encrypt(self, plaintext: str, context: Mapping[str, str]) -> str: ...

    def decrypt(self, ciphertext: str, context: Mapping[str, str]) -> str: ...


class LocalFieldCipher:
    def __init__(self, key: bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if len(key) != 32:
            raise ValueError("field encryption key must be 32 bytes")
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: str, context: Mapping[str, str]) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), _aad(context))
        return base64.urlsafe_b64encode(VERSION + nonce + sealed).decode()

    def decrypt(self, ciphertext: str, context: Mapping[str, str]) -> str:
        raw = base64.urlsafe_b64decode(ciphertext.encode())
        if raw[:1] != VERSION:
            raise ValueError("unknown ciphertext version")
        return self._aead.decrypt(raw[1:13], raw[13:], _aad(context)).decode()


def _aad(context: Mapping[str, str]) -> bytes:
    return json.dumps(dict(context), sort_keys=True, separators=(",", ":")).encode()
