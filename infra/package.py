"""``make package``: merge template -> ``chalice package`` (no Docker) -> prune tombstones -> cfn-lint -> SAM transform.

    python -m infra.package [--stage prod] [--out infra/build/out] [--region eu-west-1]

Writes ``<out>/sam.json`` (deployable with ``aws cloudformation package/deploy``), ``deployment.zip``,
``layer-deployment.zip`` and ``transformed.json`` (the offline SAM transform, for review). Any step failing stops it
with a non-zero exit: chalice's "Could not install dependencies" warning (which chalice itself only prints) included.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.discovery import ROOT, AppShape, DiscoveryError
from infra.generate import BUILD_DIR, generate, load_specs
from infra.layers import UNZIPPED_LIMIT, LayerError, build_sdk_layer, distributions, unzipped_size
from infra.scanner import ScanReport, mark_generated, scan
from infra.specs import SpecError
from infra.template import CHALICE_SINGLE_FUNCTION, CHALICE_SINGLE_FUNCTION_OUTPUTS, used_layers

DEFAULT_OUT = BUILD_DIR / "out"
DEFAULT_LAYER_CACHE = BUILD_DIR / "layer-cache"
DEFAULT_REGION = "eu-west-1"
DEPENDENCY_FAILURE = re.compile(r"could not install dependencies", re.IGNORECASE)
CFN_LINT_FAILURE_BITS = 2 | 4  # cfn-lint exit code: 2 errors, 4 warnings, 8 informational (allowed)
# SAM resolves managed policies by name through IAM; offline, these are the ones it may ask for.
MANAGED_POLICIES = {
    name: f"arn:aws:iam::aws:policy/service-role/{name}"
    for name in ("AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole")
}


class PackageError(RuntimeError):
    """A packaging or validation step failed."""


@dataclass(frozen=True)
class Packaged:
    shape: AppShape
    merge_template: Path
    sam_template: Path
    transformed_template: Path
    timings: dict[str, float]
    scan: ScanReport | None


def _tool(name: str) -> str:
    sibling = Path(sys.executable).parent / name  # the venv's console script, next to its interpreter
    found = str(sibling) if sibling.exists() else shutil.which(name)
    if found is None:
        raise PackageError(f"{name} is not installed; run `make` to install requirements-dev.txt")
    return found


def chalice_package(stage: str, merge_template: Path, out: Path, region: str, *, chalice: str | None = None) -> str:
    """Run ``chalice package``; chalice builds the layer with pip (manylinux wheels from PyPI), never Docker."""
    if out.exists():
        shutil.rmtree(out)
    env = {k: v for k, v in os.environ.items() if k != "ROUTE_GROUP"}
    env.setdefault("AWS_DEFAULT_REGION", region)  # chalice needs a region to name ARNs; nothing is called
    completed = subprocess.run(  # noqa: S603 (our own tool and paths, no shell)
        [chalice or _tool("chalice"), "package", "--stage", stage, "--merge-template", str(merge_template), str(out)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    output = completed.stdout
    print(output, end="")
    if DEPENDENCY_FAILURE.search(output):
        raise PackageError("chalice could not install some dependencies for Lambda (see above); refusing to package")
    if completed.returncode != 0:
        raise PackageError(f"chalice package exited with {completed.returncode}")
    return output


def prune_tombstones(template: dict[str, Any]) -> list[str]:
    """Drop every null the merge template left (chalice's merge cannot delete); fail on references to them."""
    removed = [f"Resources.{k}" for k, v in template.get("Resources", {}).items() if v is None]
    removed += [f"Outputs.{k}" for k, v in template.get("Outputs", {}).items() if v is None]
    _drop_nulls(template)
    gone = {name for name in CHALICE_SINGLE_FUNCTION} - set(template.get("Resources", {}))
    dangling = sorted(gone & referenced_ids(template))
    if dangling:
        raise PackageError(
            f"the template still refers to pruned resources {dangling}: chalice generated something the merge "
            "template does not re-point (a route added after generating, or an unsupported kind of handler)"
        )
    leftovers = set(CHALICE_SINGLE_FUNCTION_OUTPUTS) & set(template.get("Outputs", {}))
    if leftovers:
        raise PackageError(f"outputs {sorted(leftovers)} survived pruning")
    return removed


def _drop_nulls(node: Any) -> None:
    if isinstance(node, dict):
        for key in [k for k, v in node.items() if v is None]:
            del node[key]
        for value in node.values():
            _drop_nulls(value)
    elif isinstance(node, list):
        for value in node:
            _drop_nulls(value)


_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def referenced_ids(node: Any) -> set[str]:
    """Logical ids named by Ref, Fn::GetAtt, Fn::Sub and DependsOn anywhere under ``node``."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0] if isinstance(value, list) else str(value).split(".")[0])
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                found.update(_SUB_NAME.findall(text) if isinstance(text, str) else ())
            elif key == "DependsOn":
                found.update([value] if isinstance(value, str) else value)
            found |= referenced_ids(value)
    elif isinstance(node, list):
        for value in node:
            found |= referenced_ids(value)
    return found


def cfn_lint(template: Path) -> str:
    completed = subprocess.run(  # noqa: S603 (our own tool and paths, no shell)
        [_tool("cfn-lint"), "--format", "parseable", "--", str(template)],
        capture_output=True,
        text=True,
        check=False,
    )
    report = completed.stdout + completed.stderr
    if completed.returncode & CFN_LINT_FAILURE_BITS or completed.returncode not in {0, 2, 4, 6, 8, 10, 12, 14}:
        raise PackageError(f"cfn-lint found problems (exit {completed.returncode}):\n{report}")
    return report


def sam_transform(template: dict[str, Any], region: str) -> dict[str, Any]:
    """The CloudFormation that SAM would produce, computed offline (managed policies from a fixed table)."""
    from samtranslator.model.exceptions import InvalidDocumentException  # type: ignore[import-untyped]
    from samtranslator.translator.arn_generator import ArnGenerator  # type: ignore[import-untyped]
    from samtranslator.translator.transform import transform  # type: ignore[import-untyped]

    class OfflineManagedPolicies:
        def load(self) -> dict[str, str]:
            return MANAGED_POLICIES

    ArnGenerator.BOTO_SESSION_REGION_NAME = region
    parameters = {
        "AWS::Region": region,
        "AWS::Partition": "aws",
        "AWS::AccountId": "123456789012",
        "AWS::StackName": "sharemeter",
        "AWS::StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/sharemeter/offline",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::NotificationARNs": [],
    }
    fragment = _as_uploaded(json.loads(json.dumps(template)))  # a copy: the translator mutates its input
    # transform() builds a boto3 Session only to read its region (no call is made); give it one without a profile
    previous = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = region
    try:
        policies = OfflineManagedPolicies()
        transformed: dict[str, Any] = transform(fragment, parameters, policies)
    except InvalidDocumentException as error:
        problems = "\n".join(f"  {cause.message}" for cause in error.causes)
        raise PackageError(f"the SAM transform rejects the template:\n{problems}") from error
    finally:
        if previous is None:
            del os.environ["AWS_DEFAULT_REGION"]
        else:
            os.environ["AWS_DEFAULT_REGION"] = previous
    return transformed


def _as_uploaded(template: dict[str, Any]) -> dict[str, Any]:
    """Local zip paths replaced by S3 URIs, as ``aws cloudformation package`` does before SAM ever sees them."""
    for resource in template.get("Resources", {}).values():
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(key), str) and not properties[key].startswith("s3://"):
                properties[key] = f"s3://offline-artifacts/{Path(properties[key]).name}"
    return template


def check_function_layers(template: dict[str, Any], out: Path) -> dict[str, int]:
    """Each function's code plus its layers, unzipped, in bytes. Fails over Lambda's 250 MB, or when two SDK layers
    of one function ship different versions of a common dependency (the later layer's files would win)."""
    layer_zips = {
        logical_id: out / Path(resource["Properties"]["ContentUri"]).name
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::LayerVersion"
    }
    sizes: dict[str, int] = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        layers = [layer_zips[layer["Ref"]] for layer in resource["Properties"]["Layers"]]
        sizes[logical_id] = unzipped_size(out / Path(resource["Properties"]["CodeUri"]).name, *layers)
        if sizes[logical_id] > UNZIPPED_LIMIT:
            raise PackageError(f"{logical_id} unzips to {sizes[logical_id]} bytes with its layers (limit 250 MB)")
        versions: dict[str, set[str]] = {}
        for layer in layers:
            for dist, version in distributions(layer).items():
                versions.setdefault(dist, set()).add(version)
        clashes = sorted(dist for dist, found in versions.items() if len(found) > 1)
        if clashes:
            raise PackageError(f"{logical_id}: its layers ship different versions of {clashes}; pin them alike")
    return sizes


def package(
    stage: str = "prod",
    out: Path = DEFAULT_OUT,
    region: str = DEFAULT_REGION,
    layer_cache: Path = DEFAULT_LAYER_CACHE,
    *,
    security_scan: bool = True,
) -> Packaged:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    merge_template = out.parent / f"{out.name}-merge-template.json"
    shape, _ = generate(stage, merge_template)
    timings["generate"] = time.perf_counter() - started

    started = time.perf_counter()
    chalice_package(stage, merge_template, out, region)
    timings["chalice package"] = time.perf_counter() - started

    started = time.perf_counter()
    for name in used_layers(load_specs(shape)):
        built = build_sdk_layer(name, out / "layer-deployment.zip", out, layer_cache)
        print(f"SDK layer {name}: {built.name}")
    timings["sdk layers"] = time.perf_counter() - started

    sam_path = out / "sam.json"
    template = json.loads(sam_path.read_text())
    removed = prune_tombstones(template)
    sam_path.write_text(json.dumps(template, indent=2) + "\n")
    print(f"pruned chalice's single-function resources: {', '.join(removed)}")
    largest = max(check_function_layers(template, out).items(), key=lambda item: item[1])
    print(f"largest function with its layers, unzipped: {largest[0]} {largest[1] / 2**20:.1f} MiB (limit 250 MiB)")

    started = time.perf_counter()
    report = cfn_lint(sam_path)
    timings["cfn-lint"] = time.perf_counter() - started
    print(report or "cfn-lint: clean")

    started = time.perf_counter()
    transformed_path = out / "transformed.json"
    transformed = sam_transform(template, region)
    mark_generated(transformed)
    transformed_path.write_text(json.dumps(transformed, indent=2) + "\n")
    timings["sam transform"] = time.perf_counter() - started
    print(f"SAM transform: clean -> {transformed_path}")

    scan_report = None
    if security_scan:
        started = time.perf_counter()
        scan_report = security_check(transformed_path, out / "checkov.json")
        timings["checkov"] = time.perf_counter() - started
    return Packaged(shape, merge_template, sam_path, transformed_path, timings, scan_report)


def security_check(transformed: Path, report_path: Path) -> ScanReport:
    """checkov on the transformed template: every failed check, and every skip without a reason, fails packaging."""
    report = scan(transformed, report_path)
    print(f"checkov {report.version}: {report.passed} passed, {len(report.failed)} failed, "
          f"{len(report.skipped)} skipped with a reason, on {report.resources} resources")
    if report.unexplained:
        listing = "\n".join(f"  {f.check_id} {f.resource}: {f.name}" for f in report.unexplained)
        raise PackageError(f"checkov findings without a fix or a written reason:\n{listing}")
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--region", default=os.environ.get("AWS_DEFAULT_REGION", DEFAULT_REGION))
    parser.add_argument("--layer-cache", type=Path, default=DEFAULT_LAYER_CACHE, help="built SDK layers, by hash")
    parser.add_argument("--no-security-scan", action="store_true", help="skip checkov (tests that scan elsewhere)")
    args = parser.parse_args(argv)
    try:
        packaged = package(args.stage, args.out, args.region, args.layer_cache,
                           security_scan=not args.no_security_scan)
    except (PackageError, SpecError, DiscoveryError, LayerError, FileNotFoundError) as error:
        print(f"make package: FAILED: {error}", file=sys.stderr)
        raise SystemExit(1) from error
    steps = ", ".join(f"{step} {seconds:.1f}s" for step, seconds in packaged.timings.items())
    print(f"packaged {packaged.sam_template} ({steps})")


if __name__ == "__main__":
    main()
