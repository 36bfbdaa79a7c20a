"""Each security module pulls in only its own heavy dependency (cold start; README "Architecture")."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("jwt", "argon2", "pyotp", "segno", "redis", "cryptography")

EXPECTED = {
    "chalicelib.domain.passwords": set(),
    "chalicelib.domain.otp": {"pyotp"},
    "chalicelib.adapters.jwt_codec": {"jwt", "cryptography"},  # pyjwt loads cryptography when it is installed
    "chalicelib.adapters.password_hasher": {"argon2"},
    "chalicelib.adapters.qr": {"segno"},
    "chalicelib.adapters.rate_limit": {"redis", "cryptography"},  # redis-py imports cryptography when present
}


@pytest.mark.parametrize(("module", "allowed"), sorted(EXPECTED.items()))
def test_module_imports_no_other_heavy_dependency(module: str, allowed: set[str]) -> None:
    probe = f"import sys, json, {module}; print(json.dumps(sorted(m for m in sys.modules if '.' not in m)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    loaded = set(json.loads(out)) & set(HEAVY)
    assert loaded <= allowed, f"{module} imports {sorted(loaded - allowed)}"
