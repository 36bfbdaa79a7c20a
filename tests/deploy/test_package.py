"""``make package`` as a specification: one Lambda per route group and job, each with its own least-privilege role,
every API method wired to its group's function, VPC only where ElastiCache is needed, and the result passes cfn-lint
and the offline SAM transform.

The full pipeline (generator, ``chalice package`` building the layer with pip, no Docker, cfn-lint, SAM transform) runs
once for the real app and once for a copy with two job shims appended to ``app.py``.
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chalicelib.observability import METRIC_NAMESPACE
from chalicelib.route_groups import JOBS_ONLY, ROUTE_GROUPS
from infra.discovery import AppShape
from infra.layers import SITE_PACKAGES, distributions
from infra.package import DEFAULT_LAYER_CACHE, PackageError, chalice_package, package, prune_tombstones
from infra.scanner import ScanReport
from infra.specs import FUNCTIONS_DIR, LAYERS_DIR, SECRETS, FunctionSpec, SpecError, load_spec, sdk_layers
from infra.template import function_layers, group_function_id, job_function_id, layer_id

ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
VPC_ROLE = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"


@dataclass
class Build:
    shape: AppShape
    sam: dict[str, Any]
    cfn: dict[str, Any]
    out: Path
    functions_dir: Path = FUNCTIONS_DIR
    scan: ScanReport | None = None

    def functions(self, template: str = "sam") -> dict[str, dict[str, Any]]:
        kind = "AWS::Serverless::Function" if template == "sam" else "AWS::Lambda::Function"
        resources = (self.sam if template == "sam" else self.cfn)["Resources"]
        return {name: r for name, r in resources.items() if r["Type"] == kind}


def _load(out: Path, shape: AppShape, functions_dir: Path = FUNCTIONS_DIR) -> Build:
    sam, cfn = (json.loads((out / name).read_text()) for name in ("sam.json", "transformed.json"))
    return Build(shape, sam, cfn, out, functions_dir)


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    out = tmp_path_factory.mktemp("package") / "out"
    packaged = package(stage="prod", out=out, region=REGION)  # checkov included: once per test session
    built = _load(out, packaged.shape)
    built.scan = packaged.scan
    return built


JOB_SHIMS = '''

@app.schedule("cron(0 18 * * ? *)")
def send_reading_reminders(event: object) -> None:
    """Test shim: a scheduled job."""


@app.lambda_function()
def purge_expired(event: object, context: object) -> None:
    """Test shim: a job invoked by EventBridge Scheduler."""
'''


@pytest.fixture(scope="module")
def build_with_jobs(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """A copy of the project whose app.py also declares two jobs; only one of them has deploy metadata."""
    project = tmp_path_factory.mktemp("with-jobs")
    ignore = shutil.ignore_patterns("__pycache__", "build", "deployments")
    for name in ("chalicelib", "infra", "functions", "layers", ".chalice"):
        shutil.copytree(ROOT / name, project / name, ignore=ignore)
    for name in ("app.py", "requirements.txt"):
        shutil.copy(ROOT / name, project / name)
    with (project / "app.py").open("a") as app_py:
        app_py.write(JOB_SHIMS)
    meta = {"description": "Evening reading reminders", "memory": 256, "timeout": 120, "needs_vpc": False,
            "secrets": ["mongodb_uri"], "layers": ["stripe"]}
    (project / "functions" / "send_reading_reminders.json").write_text(json.dumps(meta))
    policy = {"Statement": [{"Sid": "ReadSchedules", "Effect": "Allow", "Action": ["scheduler:GetSchedule"],
                             "Resource": {"Fn::Sub": "arn:${AWS::Partition}:scheduler:${AWS::Region}:"
                                                     "${AWS::AccountId}:schedule/${ScheduleGroup}/*"}}]}
    (project / "functions" / "send_reading_reminders.policy.json").write_text(json.dumps(policy))
    out = project / "out"
    completed = subprocess.run(
        [sys.executable, "-m", "infra.package", "--out", str(out), "--region", REGION,
         "--layer-cache", str(DEFAULT_LAYER_CACHE), "--no-security-scan"],  # the scan runs once, on the real app
        cwd=project, capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    from infra.discovery import discover

    return _load(out, discover("prod", project), project / "functions")


def _role_of(build: Build, function_id: str) -> dict[str, Any]:
    role = build.cfn["Resources"][function_id]["Properties"]["Role"]
    assert set(role) == {"Fn::GetAtt"}, f"{function_id} uses a role it did not get from its own Policies"
    return dict(build.cfn["Resources"][role["Fn::GetAtt"][0]])


def _statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for p in role["Properties"].get("Policies", []) for s in p["PolicyDocument"]["Statement"]]


def _expected_statements(spec: FunctionSpec, *, dead_letters: str | None = None) -> list[dict[str, Any]]:
    """The spec's statements, after reading (and decrypting) exactly its secrets; a job also writes its dead letters
    (SAM's own statement sends to the queue, ours uses the queue's key)."""
    expected = list(spec.statements)
    if spec.secrets:
        expected[:0] = [
            {"Sid": "ReadOwnSecrets", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
             "Resource": [{"Ref": SECRETS[key][0]} for key in spec.secrets]},
            {"Sid": "DecryptOwnSecrets", "Effect": "Allow", "Action": ["kms:Decrypt"],
             "Resource": {"Fn::GetAtt": ["PlatformKey", "Arn"]},
             "Condition": {"StringEquals": {"kms:ViaService": {
                 "Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"}}}},
        ]
    if dead_letters is not None:
        expected.append({"Sid": "EncryptOwnDeadLetters", "Effect": "Allow", "Action": ["kms:GenerateDataKey",
                         "kms:Decrypt"], "Resource": {"Fn::GetAtt": ["PlatformKey", "Arn"]}, "Condition": {
                         "StringEquals": {"kms:ViaService": {"Fn::Sub": "sqs.${AWS::Region}.amazonaws.com"}}}})
        expected.insert(0, {"Action": "sqs:SendMessage", "Effect": "Allow",  # SAM's policy comes first
                            "Resource": {"Fn::GetAtt": [dead_letters, "Arn"]}})
    return expected


# --- deploy metadata (fast: no packaging) -------------------------------------------------------------------------


@pytest.mark.parametrize("group", sorted(ROUTE_GROUPS))
def test_every_route_group_has_deploy_metadata_and_a_policy(group: str) -> None:
    spec = load_spec(group, required=True)
    assert spec.description and spec.memory >= 128 and spec.timeout <= 29  # API Gateway cuts integrations at 29 s


def test_functions_directory_holds_metadata_only() -> None:
    strays = [p.name for p in FUNCTIONS_DIR.iterdir() if not p.name.endswith(".json")]
    assert not strays, f"functions/ is deploy metadata only, found {strays}"


def test_a_route_group_without_metadata_is_refused(tmp_path: Path) -> None:
    (tmp_path / "functions").mkdir()
    with pytest.raises(SpecError, match="every route group needs both"):
        load_spec("payments", required=True, directory=tmp_path / "functions")


def test_a_wildcard_action_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "functions"
    directory.mkdir()
    meta = {"description": "d", "memory": 128, "timeout": 3, "needs_vpc": False, "secrets": []}
    (directory / "x.json").write_text(json.dumps(meta))
    statement = {"Sid": "Everything", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}
    (directory / "x.policy.json").write_text(json.dumps({"Statement": [statement]}))
    with pytest.raises(SpecError, match="not least privilege"):
        load_spec("x", required=True, directory=directory)


def test_an_unknown_sdk_layer_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "functions"
    directory.mkdir()
    meta = {"description": "d", "memory": 128, "timeout": 3, "needs_vpc": False, "secrets": [], "layers": ["paypal"]}
    (directory / "x.json").write_text(json.dumps(meta))
    with pytest.raises(SpecError, match="layers must be distinct names among"):
        load_spec("x", required=False, directory=directory)


def test_the_heavy_sdks_are_layers_of_their_own_and_never_in_the_shared_layer() -> None:
    assert sdk_layers() == ["push", "stripe", "twilio"]
    shared = {line.split("==")[0].strip().lower() for line in (ROOT / "requirements.txt").read_text().splitlines()
              if "==" in line}
    for name in sdk_layers():
        pinned = [line.split("==")[0].strip().lower()
                  for line in (LAYERS_DIR / name / "requirements.txt").read_text().splitlines() if "==" in line]
        assert pinned and not set(pinned) & shared, f"layers/{name} pins {pinned}, the shared layer {sorted(shared)}"


def test_chalice_dependency_warning_fails_packaging(tmp_path: Path) -> None:
    """chalice only prints "Could not install dependencies" and exits 0; packaging must stop instead."""
    from chalice.constants import MISSING_DEPENDENCIES_TEMPLATE

    fake = tmp_path / "chalice"
    fake.write_text(f"#!{sys.executable}\nprint({MISSING_DEPENDENCIES_TEMPLATE % 'psycopg2==2.9.9'!r})\n")
    fake.chmod(0o755)
    with pytest.raises(PackageError, match="could not install some dependencies"):
        chalice_package("prod", tmp_path / "merge.json", tmp_path / "out", REGION, chalice=str(fake))


def test_pruning_refuses_a_template_that_still_calls_the_single_handler() -> None:
    uri = {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/functions/${APIHandler.Arn}/x"}
    template = {"Resources": {"APIHandler": None, "RestAPI": {"Properties": {"DefinitionBody": {"paths": {
        "/late": {"get": {"x-amazon-apigateway-integration": {"uri": uri}}}}}}}}}
    with pytest.raises(PackageError, match="APIHandler"):
        prune_tombstones(template)


# --- the packaged template ------------------------------------------------------------------------------------------


def test_package_has_one_function_per_route_group(build: Build) -> None:
    assert set(build.shape.groups) == set(ROUTE_GROUPS)
    jobs = {job_function_id(job) for job in build.shape.jobs}
    assert set(build.functions()) == {group_function_id(g) for g in ROUTE_GROUPS} | jobs
    assert len(build.functions()) == len(ROUTE_GROUPS) + len(build.shape.jobs)
    for group in ROUTE_GROUPS:
        properties = build.functions()[group_function_id(group)]["Properties"]
        spec = load_spec(group, required=True)
        assert properties["Handler"] == "app.app"
        assert properties["Environment"]["Variables"]["ROUTE_GROUP"] == group
        assert properties["Environment"]["Variables"]["SHAREMETER_STAGE"] == "prod"
        assert (properties["MemorySize"], properties["Timeout"]) == (spec.memory, spec.timeout)
        assert properties["Layers"] == [{"Ref": "ManagedLayer"}]


def _assert_layers_follow_the_specs(build: Build) -> None:
    """Every function: the shared layer, then exactly the SDK layers it declares; only declared layers are built, and
    none repeats a distribution of the shared layer."""
    specs = _specs(build)
    for function_id, spec in specs.items():
        assert build.functions()[function_id]["Properties"]["Layers"] == function_layers(spec), function_id
    used = sorted({name for spec in specs.values() for name in spec.layers})
    layers = {name for name, r in build.sam["Resources"].items() if r["Type"] == "AWS::Serverless::LayerVersion"}
    assert layers == {"ManagedLayer"} | {layer_id(name) for name in used}
    assert sorted(p.name for p in build.out.glob("layer-*.zip")) == sorted(
        ["layer-deployment.zip", *(f"layer-{name}.zip" for name in used)])
    shared = distributions(build.out / "layer-deployment.zip")
    for name in used:
        assert not set(distributions(build.out / f"layer-{name}.zip")) & set(shared), name


def test_each_function_gets_the_shared_layer_and_only_the_sdk_layers_it_declares(build: Build) -> None:
    _assert_layers_follow_the_specs(build)


def test_the_single_chalice_handler_is_pruned(build: Build) -> None:
    text = json.dumps(build.sam)
    assert "APIHandler" not in text and "DefaultRole" not in text
    assert "null" not in text


def test_every_api_method_targets_its_route_groups_function(build: Build) -> None:
    owner = {}
    for group, routes in build.shape.groups.items():
        module = importlib.import_module(ROUTE_GROUPS[group])
        for route in routes:
            assert hasattr(module, route.view_name), f"{route.view_name} is not a view of {ROUTE_GROUPS[group]}"
            owner[(route.path, route.method.lower())] = group
    paths = build.sam["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    wired = {(path, method): spec for path, methods in paths.items() for method, spec in methods.items()}
    assert set(wired) == set(owner)
    for key, spec in wired.items():
        uri = spec["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
        assert f"${{{group_function_id(owner[key])}.Arn}}" in uri, f"{key} is wired to {uri}"
    cfn_paths = next(r for r in build.cfn["Resources"].values() if r["Type"] == "AWS::ApiGateway::RestApi")
    for path, methods in cfn_paths["Properties"]["Body"]["paths"].items():
        for method in methods:
            if method != "options":  # CORS preflight: a mock integration SAM adds
                assert (path, method) in owner


def test_every_function_has_its_own_role_with_exactly_its_policy(build: Build) -> None:
    roles = {}
    for function_id, spec in _specs(build).items():
        role = _role_of(build, function_id)
        roles[function_id] = build.cfn["Resources"][function_id]["Properties"]["Role"]["Fn::GetAtt"][0]
        queue = f"{function_id}DeadLetterQueue" if function_id in _job_ids(build) else None
        assert _statements(role) == _expected_statements(spec, dead_letters=queue)
        assert "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" in role["Properties"][
            "ManagedPolicyArns"]
    assert len(set(roles.values())) == len(roles), "functions share a role"


def _job_ids(build: Build) -> set[str]:
    return {job_function_id(job) for job in build.shape.jobs}


def _specs(build: Build) -> dict[str, FunctionSpec]:
    """Every function of the build by logical id: route groups (metadata required) and jobs (optional)."""
    directory = build.functions_dir
    specs = {group_function_id(g): load_spec(g, required=True, directory=directory) for g in ROUTE_GROUPS}
    return specs | {job_function_id(job): load_spec(job.name, required=False, directory=directory)
                    for job in build.shape.jobs}


def test_vpc_only_where_elasticache_is_needed(build: Build) -> None:
    for function_id, spec in _specs(build).items():
        properties = build.functions()[function_id]["Properties"]
        assert ("VpcConfig" in properties) is spec.needs_vpc, function_id
        assert (VPC_ROLE in _role_of(build, function_id)["Properties"]["ManagedPolicyArns"]) is spec.needs_vpc
        assert ("REDIS_CLUSTER" in properties["Environment"]["Variables"]) is spec.needs_vpc


def test_functions_get_only_their_secrets_arns(build: Build) -> None:
    for function_id, spec in _specs(build).items():
        variables = build.functions()[function_id]["Properties"]["Environment"]["Variables"]
        arns = {name for name in variables if name.endswith("_SECRET_ARN")}
        assert arns == {f"{SECRETS[key][1]}_SECRET_ARN" for key in spec.secrets}, function_id
        assert not {"JWT_SECRET", "CODE_PEPPER", "FIELD_ENCRYPTION_KEY", "MONGODB_URI"} & set(variables)


def test_api_gateway_invokes_each_function_through_its_own_permission(build: Build) -> None:
    permissions = [r["Properties"] for r in build.sam["Resources"].values() if r["Type"] == "AWS::Lambda::Permission"]
    assert sorted(p["FunctionName"]["Ref"] for p in permissions) == sorted(group_function_id(g) for g in ROUTE_GROUPS)
    assert all(p["Principal"] == "apigateway.amazonaws.com" for p in permissions)


def test_template_declares_the_platform_around_the_functions(build: Build) -> None:
    types = {name: r["Type"] for name, r in build.sam["Resources"].items()}
    assert types["ManagedLayer"] == "AWS::Serverless::LayerVersion"
    assert {types[logical_id] for logical_id, _ in SECRETS.values()} == {"AWS::SecretsManager::Secret"}
    assert types["FieldEncryptionKey"] == "AWS::KMS::Key"
    assert types["ScheduleGroup"] == "AWS::Scheduler::ScheduleGroup"
    destination = build.sam["Resources"]["SesDeliveryEventDestination"]["Properties"]["EventDestination"]
    assert destination["SnsDestination"]["TopicARN"] == {"Ref": "DeliveryEventsTopic"}
    origin = build.sam["Resources"]["PwaDistribution"]["Properties"]["DistributionConfig"]["Origins"][0]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["PwaOriginAccessControl", "Id"]}
    api = build.sam["Resources"]["RestAPI"]["Properties"]
    assert api["MethodSettings"][0]["ThrottlingRateLimit"] == {"Ref": "ApiThrottleRateLimit"}
    assert "Cors" not in api and api["EndpointConfiguration"] == "REGIONAL"  # same origin behind CloudFront


def test_code_package_holds_the_app_and_nothing_of_the_tooling(build: Build) -> None:
    names = zipfile.ZipFile(build.out / "deployment.zip").namelist()
    assert "app.py" in names and "chalicelib/route_groups.py" in names
    assert not [n for n in names if n.split("/")[0] in {"functions", "infra", "tests", "bench", "web"}]
    layer = zipfile.ZipFile(build.out / "layer-deployment.zip").namelist()
    assert any(n.startswith("python/lib/python3.11/site-packages/pydantic_core/") for n in layer)


# --- jobs -----------------------------------------------------------------------------------------------------------


def test_each_job_is_its_own_function_with_its_own_role(build_with_jobs: Build) -> None:
    jobs = {job.name: job_function_id(job) for job in build_with_jobs.shape.jobs}
    assert {"send_reading_reminders", "purge_expired"} <= set(jobs)
    assert set(build_with_jobs.functions()) == {group_function_id(g) for g in ROUTE_GROUPS} | set(jobs.values())
    reminders = build_with_jobs.functions()[jobs["send_reading_reminders"]]["Properties"]
    assert reminders["Handler"] == "app.send_reading_reminders"
    assert (reminders["MemorySize"], reminders["Timeout"]) == (256, 120)
    assert "Role" not in reminders and "VpcConfig" not in reminders
    assert reminders["Environment"]["Variables"]["ROUTE_GROUP"] == JOBS_ONLY  # registers no routes: lean cold start
    assert [e["Type"] for e in reminders["Events"].values()] == ["Schedule"]
    spec = load_spec("send_reading_reminders", required=True, directory=build_with_jobs.out.parent / "functions")
    reminders_id = jobs["send_reading_reminders"]
    assert _statements(_role_of(build_with_jobs, reminders_id)) == _expected_statements(
        spec, dead_letters=f"{reminders_id}DeadLetterQueue")
    purge_role = _role_of(build_with_jobs, jobs["purge_expired"])  # no metadata: basic role, and its dead letters
    assert _statements(purge_role) == _expected_statements(
        load_spec("purge_expired", required=False), dead_letters=f"{jobs['purge_expired']}DeadLetterQueue")
    roles = {build_with_jobs.cfn["Resources"][f]["Properties"]["Role"]["Fn::GetAtt"][0]
             for f in build_with_jobs.functions("cfn")}
    assert len(roles) == len(build_with_jobs.functions("cfn"))
    invoke = build_with_jobs.sam["Resources"]["SchedulerInvokeRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    assert invoke["Statement"][0]["Resource"] == [{"Fn::GetAtt": [f, "Arn"]} for f in jobs.values()]


def test_photo_bucket_is_private_encrypted_expiring_and_only_the_meters_function_signs_for_it(build: Build) -> None:
    bucket = build.cfn["Resources"]["PhotoBucket"]["Properties"]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    [rule] = bucket["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled" and rule["ExpirationInDays"] == {"Ref": "PhotoRetentionDays"}
    for function_id, function in build.functions("cfn").items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["PHOTO_BUCKET"] == {"Ref": "PhotoBucket"}
        s3 = [s for s in _statements(_role_of(build, function_id)) if "s3" in json.dumps(s.get("Action"))]
        if function_id != group_function_id("meters"):
            assert s3 == [], f"{function_id} may touch S3"
            continue
        [statement] = s3
        assert sorted(statement["Action"]) == ["s3:GetObject", "s3:PutObject"]
        assert statement["Resource"] == {"Fn::Sub": "${PhotoBucket.Arn}/groups/*/readings/*"}


def test_an_sdk_layer_goes_only_to_the_functions_that_declare_it(build_with_jobs: Build) -> None:
    _assert_layers_follow_the_specs(build_with_jobs)
    functions = build_with_jobs.functions().items()
    declaring = [f for f, r in functions if {"Ref": "StripeLayer"} in r["Properties"]["Layers"]]
    assert declaring == [job_function_id(j) for j in build_with_jobs.shape.jobs if j.name == "send_reading_reminders"]
    contents = zipfile.ZipFile(build_with_jobs.out / "layer-stripe.zip").namelist()
    assert f"{SITE_PACKAGES}/stripe/__init__.py" in contents
    assert not [n for n in contents if n.startswith(f"{SITE_PACKAGES}/urllib3/")]  # the shared layer has urllib3
    cfn_layer = next(r for r in build_with_jobs.cfn["Resources"].values()
                     if r["Type"] == "AWS::Lambda::LayerVersion" and "stripe" in json.dumps(r["Properties"]))
    assert cfn_layer["Properties"]["CompatibleRuntimes"] == ["python3.11"]


# --- security scanner, failure handling, observability ------------------------------------------------------------


def test_checkov_finds_nothing_without_a_fix_or_a_written_reason(build: Build) -> None:
    report = build.scan
    assert report is not None and report.version == "3.3.30"
    assert report.failed == (), "\n".join(f"{f.check_id} {f.resource}: {f.name}" for f in report.failed)
    assert report.passed > 200 and report.resources > 100  # it really scanned the whole stack
    assert report.unexplained == ()
    assert {f.check_id for f in report.skipped} <= {  # each reason is in infra/scanner.py; a new skip is a decision
        "CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173", "CKV_AWS_120", "CKV_AWS_174", "CKV_AWS_68", "CKV_AWS_18",
        "CKV_AWS_21"}
    skipped_dlq = {f.resource.split(".")[-1] for f in report.skipped if f.check_id == "CKV_AWS_116"}
    assert skipped_dlq == {group_function_id(g) for g in ROUTE_GROUPS}  # jobs have a dead-letter queue instead


def test_every_function_is_traced_and_has_a_reserved_concurrency_that_leaves_the_account_room(build: Build) -> None:
    reserved = 0
    for function_id, spec in _specs(build).items():
        properties = build.cfn["Resources"][function_id]["Properties"]
        assert properties["TracingConfig"] == {"Mode": "Active"}, function_id
        assert spec.reserved_concurrency is not None and spec.reserved_concurrency >= 1, function_id
        assert properties["ReservedConcurrentExecutions"] == spec.reserved_concurrency
        reserved += spec.reserved_concurrency
    assert reserved <= 900  # AWS keeps 100 of the default 1,000 unreserved
    for function_id in _job_ids(build):
        assert build.cfn["Resources"][function_id]["Properties"]["ReservedConcurrentExecutions"] == 1  # no overlap


def test_a_failed_job_is_retried_then_dead_lettered_by_lambda_and_by_its_schedule(build: Build) -> None:
    resources = build.cfn["Resources"]
    rules = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Events::Rule"]
    invoke_configs = {r["Properties"]["FunctionName"]["Ref"]: r["Properties"] for r in resources.values()
                      if r["Type"] == "AWS::Lambda::EventInvokeConfig"}
    assert build.shape.jobs
    for function_id in _job_ids(build):
        queue = f"{function_id}DeadLetterQueue"
        assert resources[queue]["Type"] == "AWS::SQS::Queue"
        assert resources[queue]["Properties"]["KmsMasterKeyId"] == {"Ref": "PlatformKey"}
        assert resources[function_id]["Properties"]["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": [queue, "Arn"]}}
        assert invoke_configs[function_id]["MaximumRetryAttempts"] == 2
        assert invoke_configs[function_id]["MaximumEventAgeInSeconds"] == 3600  # the next hourly run supersedes it
        [target] = [t for rule in rules for t in rule["Targets"] if t["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}]
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue, "Arn"]}}
        assert target["RetryPolicy"] == {"MaximumRetryAttempts": 4, "MaximumEventAgeInSeconds": 3600}
        [policy] = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::SQS::QueuePolicy"
                    and r["Properties"]["Queues"] == [{"Ref": queue}]]
        assert policy["PolicyDocument"]["Statement"][0]["Principal"] == {"Service": "events.amazonaws.com"}


def _alarms(build: Build) -> dict[str, dict[str, Any]]:
    resources = build.cfn["Resources"].items()
    return {name: r["Properties"] for name, r in resources if r["Type"] == "AWS::CloudWatch::Alarm"}


def test_alarms_watch_5xx_latency_throttles_job_failures_dead_letters_and_webhook_signatures(build: Build) -> None:
    alarms = _alarms(build)
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == alarm["OKActions"] == [{"Ref": "AlarmTopic"}]
    rate = alarms["ApiServerErrorRateAlarm"]["Metrics"]
    assert {m["MetricStat"]["Metric"]["MetricName"] for m in rate if "MetricStat" in m} == {"5XXError", "Count"}
    assert alarms["ApiLatencyP99Alarm"]["ExtendedStatistic"] == "p99"
    webhook = alarms["WebhookSignatureFailuresAlarm"]
    assert (webhook["Namespace"], webhook["MetricName"]) == (METRIC_NAMESPACE, "WebhookSignatureFailures")
    assert webhook["Dimensions"] == [{"Name": "service", "Value": "sharemeter"}]  # what powertools Metrics emits
    functions = set(_specs(build))
    throttled = {a["Dimensions"][0]["Value"]["Ref"] for a in alarms.values() if a.get("MetricName") == "Throttles"}
    assert throttled == functions
    failing = {a["Dimensions"][0]["Value"]["Ref"] for a in alarms.values() if a.get("MetricName") == "Errors"}
    assert failing == _job_ids(build)
    depth = {a["Dimensions"][0]["Value"]["Fn::GetAtt"][0] for a in alarms.values()
             if a.get("MetricName") == "ApproximateNumberOfMessagesVisible"}
    assert depth == {f"{f}DeadLetterQueue" for f in _job_ids(build)}
    topic = build.cfn["Resources"]["AlarmTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "PlatformKey"}


def test_the_runbook_explains_every_alarm(build: Build) -> None:
    runbook = (ROOT / "docs" / "operations.md").read_text()
    headings = {line.lstrip("# ").strip("` ") for line in runbook.splitlines() if line.startswith("### ")}
    functions = sorted(_specs(build), key=len, reverse=True)
    for name in _alarms(build):
        family = next((name.replace(f, "<Function>", 1) for f in functions if name.startswith(f)), name)
        assert family in headings, f"docs/operations.md has no '### {family}' for alarm {name}"


def test_the_dashboard_shows_every_function_and_the_business_metrics(build: Build) -> None:
    body = build.cfn["Resources"]["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    widgets = json.loads(body)["widgets"]
    text = json.dumps(widgets)
    assert all(f"${{{function_id}}}" in text for function_id in _specs(build))
    assert '"sharemeter", "BillsIssued"' in text and '"sharemeter", "WebhookSignatureFailures"' in text


def test_api_gateway_is_traced_and_writes_json_access_logs(build: Build) -> None:
    [stage] = [r["Properties"] for r in build.cfn["Resources"].values() if r["Type"] == "AWS::ApiGateway::Stage"]
    assert stage["TracingEnabled"] is True
    assert stage["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert json.loads(stage["AccessLogSetting"]["Format"])["integrationRequestId"] == "$context.integration.requestId"


def test_logs_secrets_and_topics_are_under_the_customer_managed_platform_key(build: Build) -> None:
    resources = build.cfn["Resources"]
    for resource in resources.values():
        if resource["Type"] == "AWS::Logs::LogGroup":
            assert resource["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["PlatformKey", "Arn"]}
        if resource["Type"] == "AWS::SecretsManager::Secret":
            assert resource["Properties"]["KmsKeyId"] == {"Ref": "PlatformKey"}
        if resource["Type"] == "AWS::SNS::Topic":
            assert resource["Properties"]["KmsMasterKeyId"] == {"Ref": "PlatformKey"}
    assert resources["PlatformKey"]["Properties"]["EnableKeyRotation"] is True


def test_the_cache_and_security_groups_are_created_unless_the_operator_brings_them(build: Build) -> None:
    resources = build.cfn["Resources"]
    cache = resources["RedisCache"]
    assert cache["Type"] == "AWS::ElastiCache::ServerlessCache" and cache["Condition"] == "CreateCache"
    assert resources["FunctionSecurityGroup"]["Condition"] == "CreateFunctionSecurityGroup"
    [ingress] = resources["CacheSecurityGroup"]["Properties"]["SecurityGroupIngress"]
    assert ingress["SourceSecurityGroupId"] == {"Fn::GetAtt": ["FunctionSecurityGroup", "GroupId"]}
    assert build.cfn["Parameters"]["VpcSecurityGroupIds"]["Default"] == ""
    for function_id, spec in _specs(build).items():
        variables = resources[function_id]["Properties"]["Environment"]["Variables"]
        if not spec.needs_vpc:
            assert "REDIS_URL" not in variables
            continue
        made, _ = variables["REDIS_URL"]["Fn::If"][1:]
        assert variables["REDIS_URL"]["Fn::If"][0] == "CreateCache"
        assert made["Fn::Sub"].startswith("rediss://")  # TLS only: Settings refuses anything else outside local
        groups = resources[function_id]["Properties"]["VpcConfig"]["SecurityGroupIds"]["Fn::If"]
        assert groups[:2] == ["NoSecurityGroupsGiven", [{"Ref": "FunctionSecurityGroup"}]]
