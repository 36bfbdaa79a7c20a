"""The security scanner: checkov on the transformed template, and the written reason for every check it may skip.

Every finding is either fixed in the template or skipped on its resource with one of the reasons below (checkov reads
``Metadata.checkov.skip`` and reports the comment). SAM copies a resource's ``Metadata`` onto the resource it generates
from it, but not onto the extra ones (an API's stage): :func:`mark_generated` adds those after the transform.

checkov pins ``boto3`` below ours, so it lives in a venv of its own (``make`` builds ``.venv/checkov`` from
``requirements-checkov.txt``); :func:`checkov_path` finds it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.specs import ROOT

Json = dict[str, Any]
CHECKOV_VENV = ROOT / ".venv" / "checkov"

API_FUNCTION_HAS_NO_DLQ = (
    "invoked synchronously by API Gateway: a dead-letter queue only ever receives failed asynchronous invocations; "
    "the caller gets the error (and a 5xx alarm counts it)"
)
FUNCTION_OUTSIDE_VPC = (
    "reaches only MongoDB Atlas and AWS APIs, all over TLS, and never ElastiCache; a VPC would add a NAT gateway to "
    "its path and protect nothing (functions/<name>.json needs_vpc)"
)
ENVIRONMENT_IS_NOT_SENSITIVE = (
    "the environment holds names and ARNs only: secrets are read from Secrets Manager (tests/deploy asserts no secret "
    "value is in it); Lambda encrypts it at rest with its AWS managed key, and a customer key would put a KMS call on "
    "every cold start for nothing secret"
)
NO_API_CACHE = (
    "every answer is per caller and sent with Cache-Control: no-store; a stage cache would risk serving one user's "
    "data to another and costs a cache cluster"
)
DEFAULT_CLOUDFRONT_CERTIFICATE = (
    "with the default *.cloudfront.net certificate CloudFront fixes the minimum protocol itself; give PwaDomainName "
    "and PwaCertificateArn and the template sets TLSv1.2_2021"
)
WAF_IS_A_PARAMETER = (
    "a CLOUDFRONT-scope web ACL can only be created in us-east-1: pass its ARN as PwaWebAclArn; the distribution "
    "serves static files of the PWA only (the API has API Gateway throttling)"
)
PHOTOS_ARE_ERASED = (
    "reading photos are personal data that erasure and the retention rule must really delete; versioning would keep "
    "each deleted photo as a noncurrent version, and photos are written once under unique keys (nothing to roll back)"
)
LOG_BUCKET_LOGS_NOTHING = "the access-log bucket itself: logging its own access into itself would never end"


def skip(*reasons: tuple[str, str]) -> Json:
    """``Metadata`` that makes checkov skip check ``id`` on a resource, with the reason as its comment."""
    return {"checkov": {"skip": [{"id": check, "comment": reason} for check, reason in reasons]}}


#: checks skipped on resources SAM generates without Metadata, by resource type
GENERATED_SKIPS: dict[str, tuple[tuple[str, str], ...]] = {
    "AWS::ApiGateway::Stage": (("CKV_AWS_120", NO_API_CACHE),),
}


def mark_generated(transformed: Json) -> None:
    """Add :data:`GENERATED_SKIPS` to the resources SAM generated."""
    for resource in transformed.get("Resources", {}).values():
        reasons = GENERATED_SKIPS.get(resource.get("Type", ""))
        if reasons:
            resource.setdefault("Metadata", {}).update(skip(*reasons))


@dataclass(frozen=True)
class Finding:
    check_id: str
    resource: str
    name: str
    comment: str = ""


@dataclass(frozen=True)
class ScanReport:
    passed: int
    failed: tuple[Finding, ...]
    skipped: tuple[Finding, ...]
    resources: int
    version: str

    @property
    def unexplained(self) -> tuple[Finding, ...]:
        """Failures, and skips whose reason is missing or too short to be one."""
        return self.failed + tuple(f for f in self.skipped if len(f.comment.strip()) < 20)


def checkov_path() -> str:
    found = CHECKOV_VENV / "bin" / "checkov"
    if found.exists():
        return str(found)
    on_path = shutil.which("checkov")
    if on_path is None:
        raise FileNotFoundError("checkov is not installed: run `make checkov` (see requirements-checkov.txt)")
    return on_path


def scan(template: Path, report_path: Path) -> ScanReport:
    """checkov's CloudFormation checks on ``template``, offline; its raw JSON report goes to ``report_path``."""
    environment = os.environ | {"BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    completed = subprocess.run(  # noqa: S603 (our tool, our paths)
        [checkov_path(), "--file", str(template), "--framework", "cloudformation", "--output", "json",
         "--skip-download", "--compact"],
        capture_output=True, text=True, check=False, env=environment,
    )
    if completed.returncode not in {0, 1} or not completed.stdout.strip().startswith(("{", "[")):
        raise RuntimeError(f"checkov did not run (exit {completed.returncode}):\n{completed.stderr[-4000:]}")
    report_path.write_text(completed.stdout)
    raw = json.loads(completed.stdout)
    results = raw[0] if isinstance(raw, list) else raw
    summary, checks = results["summary"], results.get("results", {})

    def findings(kind: str) -> tuple[Finding, ...]:
        return tuple(
            Finding(c["check_id"], c["resource"], c["check_name"],
                    str(c.get("check_result", {}).get("suppress_comment") or ""))
            for c in checks.get(kind, [])
        )

    return ScanReport(summary["passed"], findings("failed_checks"), findings("skipped_checks"),
                      summary["resource_count"], summary["checkov_version"])

