"""The ``--merge-template`` for ``chalice package``: one Lambda per route group and job, and the rest of the stack.

chalice merges this file into its SAM template with a deep merge that can add and replace but never delete. So the
resources chalice makes for a single-function API (``APIHandler``, its invoke permission, ``DefaultRole``, their
outputs) are set to ``null`` here — tombstones — and :func:`infra.package.prune_tombstones` removes every null after the
merge and fails if anything still refers to a removed resource.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from chalice.utils import to_cfn_resource_name

from chalicelib.route_groups import JOBS_ONLY
from infra import app_hosting, network, operations, scanner
from infra.discovery import AppShape, Job
from infra.layers import layer_zip_name
from infra.operations import PLATFORM_KEY
from infra.specs import SECRETS, FunctionSpec

HANDLER = "app.app"
CODE_URI = "./deployment.zip"
LAYER = "ManagedLayer"
API = "RestAPI"
CHALICE_SINGLE_FUNCTION = ("APIHandler", "APIHandlerInvokePermission", "DefaultRole")
CHALICE_SINGLE_FUNCTION_OUTPUTS = ("APIHandlerName", "APIHandlerArn")
RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"  # chalice builds the layer for this interpreter
ARCHITECTURE = "x86_64"
#: job kinds whose events reach Lambda asynchronously (EventBridge rules, Scheduler): Lambda retries them and gives
#: up into a dead-letter queue. Poll-based sources (SQS, streams) retry through their source's own redrive instead.
ASYNC_JOB_KINDS = {"ScheduledEventConfig", "CloudWatchEventConfig", "LambdaFunction", "SNSEventConfig",
                   "S3EventConfig"}
RULE_JOB_KINDS = {"ScheduledEventConfig", "CloudWatchEventConfig"}  # chalice declares an EventBridge rule event
POLLED_JOB_HAS_NO_DLQ = (
    "poll-based event source: a failed batch goes back to its source, whose own redrive policy dead-letters it"
)

Json = dict[str, Any]


def group_function_id(group: str) -> str:
    return f"{to_cfn_resource_name(group)}Function"


def job_function_id(job: Job) -> str:
    """The logical id chalice gives a job's function (``to_cfn_resource_name`` of its name)."""
    return to_cfn_resource_name(job.name)


def layer_id(name: str) -> str:
    """The logical id of SDK layer ``layers/<name>``."""
    return f"{to_cfn_resource_name(name)}Layer"


def function_layers(spec: FunctionSpec) -> list[Json]:
    """The shared runtime layer first, then the SDK layers the function declares (no file is in two of them)."""
    return [{"Ref": LAYER}, *({"Ref": layer_id(name)} for name in spec.layers)]


def used_layers(specs: dict[str, FunctionSpec]) -> list[str]:
    """SDK layers some function declares: only these are built and deployed."""
    return sorted({name for spec in specs.values() for name in spec.layers})


def integration_uri(function_id: str) -> Json:
    return {
        "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
        f"${{{function_id}.Arn}}/invocations"
    }


def build_merge_template(shape: AppShape, specs: dict[str, FunctionSpec]) -> Json:
    """The merge template for ``shape``; ``specs`` holds one spec per group and per job (by name)."""
    group_ids = {group: group_function_id(group) for group in shape.groups}
    job_ids = {job.name: job_function_id(job) for job in shape.jobs}
    clashes = set(group_ids.values()) & set(job_ids.values())
    if clashes:
        raise ValueError(f"route group and job functions share logical ids {sorted(clashes)}; rename one")
    needs_vpc = any(specs[name].needs_vpc for name in [*shape.groups, *job_ids])

    resources: Json = dict.fromkeys(CHALICE_SINGLE_FUNCTION)
    outputs: Json = dict.fromkeys(CHALICE_SINGLE_FUNCTION_OUTPUTS)
    for group, function_id in group_ids.items():
        spec = specs[group]
        resources[function_id] = {
            "Type": "AWS::Serverless::Function",
            "Metadata": _function_skips(spec, dead_letters=scanner.API_FUNCTION_HAS_NO_DLQ),
            "Properties": {
                "Handler": HANDLER,
                "Runtime": RUNTIME,
                "Architectures": [ARCHITECTURE],
                "CodeUri": CODE_URI,
                **_function_properties(spec, shape, {"ROUTE_GROUP": group}),
            },
        }
        resources[f"{function_id}InvokePermission"] = {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": {"Ref": function_id},
                "Action": "lambda:InvokeFunction",
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": {
                    "Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:" f"${{{API}}}/*"
                },
            },
        }
        resources.update(_log_group(function_id))
        outputs[f"{function_id}Arn"] = {"Value": {"Fn::GetAtt": [function_id, "Arn"]}}
    for job in shape.jobs:
        function_id = job_ids[job.name]
        # chalice already declares the job's function (handler, code, layer, schedule event); replace its shared
        # DefaultRole with a role of its own built from Policies.
        job_env = {"ROUTE_GROUP": JOBS_ONLY}  # a job's Lambda registers no routes: it imports only app.py's shims
        properties = {"Role": None, **_function_properties(specs[job.name], shape, job_env)}
        metadata = _function_skips(specs[job.name], dead_letters=None)
        if job.kind in ASYNC_JOB_KINDS:
            event = to_cfn_resource_name(f"{job.name}-event") if job.kind in RULE_JOB_KINDS else None
            failure_properties, failure_resources = operations.job_failure_handling(function_id, event)
            properties |= failure_properties
            properties["Policies"] = _with_statement(properties["Policies"], operations.dead_letter_statement())
            resources.update(failure_resources)
        else:
            metadata = _function_skips(specs[job.name], dead_letters=POLLED_JOB_HAS_NO_DLQ)
        resources[function_id] = {"Metadata": metadata, "Properties": properties}
        resources.update(_log_group(function_id))
        outputs[f"{function_id}Arn"] = {"Value": {"Fn::GetAtt": [function_id, "Arn"]}}

    resources.update(_sdk_layers(used_layers(specs)))
    resources[API] = {"Properties": _api_properties(shape, group_ids)}
    resources.update(_api_logging())
    resources.update(_platform_key())
    resources.update(_secrets())
    resources.update(_field_encryption_key())
    resources.update(_delivery_events())
    resources.update(_schedules(list(job_ids.values())))
    resources.update(_access_logs())
    resources.update(_pwa_hosting())
    resources.update(_photo_storage())
    if needs_vpc:
        resources.update(network.resources())
    api_functions, job_functions = list(group_ids.values()), list(job_ids.values())
    resources.update(operations.alarm_topic())
    resources.update(operations.alarms(api_functions, job_functions))
    resources.update(operations.dashboard(api_functions, job_functions))
    outputs.update(_stack_outputs(needs_vpc))
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "sharemeter: a Lambda per route group and job, API Gateway, secrets, KMS, SES/SNS, PWA hosting, "
        "reading photos, cache, alarms",
        "Parameters": _parameters(needs_vpc),
        "Conditions": _conditions(needs_vpc),
        "Resources": resources,
        "Outputs": outputs,
    }


def _with_statement(policies: list[Json], statement: Json) -> list[Json]:
    statements = [*(s for policy in policies for s in policy["Statement"]), statement]
    return [{"Version": "2012-10-17", "Statement": statements}]


def _function_skips(spec: FunctionSpec, *, dead_letters: str | None) -> Json:
    reasons = [("CKV_AWS_173", scanner.ENVIRONMENT_IS_NOT_SENSITIVE)]
    if dead_letters is not None:
        reasons.append(("CKV_AWS_116", dead_letters))
    if not spec.needs_vpc:
        reasons.append(("CKV_AWS_117", scanner.FUNCTION_OUTSIDE_VPC))
    return scanner.skip(*reasons)


def _function_properties(spec: FunctionSpec, shape: AppShape, extra_env: dict[str, str]) -> Json:
    env: Json = {
        **shape.stage_environment,
        **extra_env,
        "PUBLIC_APP_URL": {"Ref": "PwaOrigin"},
        "SES_SENDER": {"Ref": "SesSender"},
        "SES_CONFIGURATION_SET": {"Ref": "SesConfigurationSet"},
        "PHOTO_BUCKET": {"Ref": "PhotoBucket"},
        "FIELD_KMS_KEY_ARN": {"Fn::GetAtt": ["FieldEncryptionKey", "Arn"]},
        "POWERTOOLS_SERVICE_NAME": "sharemeter",
        "LOG_LEVEL": "INFO",
    }
    statements: list[Json] = []
    if spec.secrets:
        env.update({f"{SECRETS[key][1]}_SECRET_ARN": {"Ref": SECRETS[key][0]} for key in spec.secrets})
        statements.append(
            {
                "Sid": "ReadOwnSecrets",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": [{"Ref": SECRETS[key][0]} for key in spec.secrets],
            }
        )
        statements.append(secrets_key_statement())
    if spec.needs_vpc:
        env.update(network.cache_environment())
    statements.extend(spec.statements)
    properties: Json = {
        "Description": spec.description,
        "Layers": function_layers(spec),
        "MemorySize": spec.memory,
        "Timeout": spec.timeout,
        "Tracing": "Active",
        "Environment": {"Variables": env},
        # SAM builds a role per function: AWSLambdaBasicExecutionRole, AWSLambdaVPCAccessExecutionRole when VpcConfig
        # is set, and this inline policy.
        "Policies": [{"Version": "2012-10-17", "Statement": statements}] if statements else [],
        "Tags": {"app": "sharemeter", "function": spec.name},
    }
    if spec.needs_vpc:
        properties["VpcConfig"] = network.vpc_config()
    if spec.reserved_concurrency is not None:
        properties["ReservedConcurrentExecutions"] = spec.reserved_concurrency
    return properties


def _sdk_layers(names: list[str]) -> Json:
    return {
        layer_id(name): {
            "Type": "AWS::Serverless::LayerVersion",
            "Properties": {
                "LayerName": {"Fn::Sub": f"sharemeter-${{Stage}}-{name}"},
                "Description": f"sharemeter SDK layer {name}: layers/{name}/requirements.txt less the shared layer",
                "ContentUri": f"./{layer_zip_name(name)}",
                "CompatibleRuntimes": [RUNTIME],
                "CompatibleArchitectures": [ARCHITECTURE],
                "RetentionPolicy": "Delete",
            },
        }
        for name in names
    }


def secrets_key_statement() -> Json:
    """Secrets are encrypted under the platform key: reading one decrypts through Secrets Manager, nothing else."""
    return {
        "Sid": "DecryptOwnSecrets",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": {"Fn::GetAtt": [PLATFORM_KEY, "Arn"]},
        "Condition": {"StringEquals": {"kms:ViaService": {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"}}},
    }


def _log_group(function_id: str, name: Json | None = None) -> Json:
    return {
        f"{function_id}LogGroup": {
            "Type": "AWS::Logs::LogGroup",
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
            "Properties": {
                "LogGroupName": name or {"Fn::Sub": f"/aws/lambda/${{{function_id}}}"},
                "RetentionInDays": {"Ref": "LogRetentionDays"},
                "KmsKeyId": {"Fn::GetAtt": [PLATFORM_KEY, "Arn"]},
            },
        }
    }


def _api_properties(shape: AppShape, group_ids: dict[str, str]) -> Json:
    paths: Json = {}
    for group, routes in shape.groups.items():
        for route in routes:
            method = paths.setdefault(route.path, {}).setdefault(route.method.lower(), {})
            method["x-amazon-apigateway-integration"] = {"uri": integration_uri(group_ids[group])}
    return {
        "Name": {"Fn::Sub": operations.API_NAME},  # the ApiName dimension the alarms and the dashboard use
        "DefinitionBody": {"paths": paths},
        "TracingEnabled": True,
        "AccessLogSetting": {"DestinationArn": {"Fn::GetAtt": [API_ACCESS_LOG, "Arn"]}, "Format": ACCESS_LOG_FORMAT},
        "EndpointConfiguration": "REGIONAL",  # CloudFront is in front (infra/app_hosting.py): no second, edge one
        "MethodSettings": [
            {
                "ResourcePath": "/*",
                "HttpMethod": "*",
                "ThrottlingRateLimit": {"Ref": "ApiThrottleRateLimit"},
                "ThrottlingBurstLimit": {"Ref": "ApiThrottleBurstLimit"},
                "MetricsEnabled": True,
            }
        ],
        # No Cors: the app calls the API on its own origin (infra/app_hosting.py), so a cross-origin preflight gets
        # no Access-Control-Allow-Origin, by design. Answers API Gateway gives itself are problem+json too.
        "GatewayResponses": _gateway_responses(),
        # API Gateway writes access logs only once the account's CloudWatch role is set: a tag that names
        # ApiGatewayAccount makes CloudFormation create it first (DependsOn cannot name a conditional resource).
        "Tags": {
            "app": "sharemeter",
            "cloudwatch-role": {"Fn::If": ["ManageApiGatewayAccount", {"Ref": "ApiGatewayAccount"}, "existing"]},
        },
    }


API_ACCESS_LOG = "ApiAccessLogGroup"
#: one JSON line per request; requestId joins API Gateway's execution logs, integrationRequestId is the Lambda
#: request id (the correlation id when the client sent none), xrayTraceId opens the trace
ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId",
    "integrationRequestId": "$context.integration.requestId",
    "xrayTraceId": "$context.xrayTraceId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTimeEpoch",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "status": "$context.status",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integration.latency",
    "responseLength": "$context.responseLength",
}, separators=(",", ":"))


def _api_logging() -> Json:
    """The API's access log group, and the account-wide role API Gateway logs with (unless the account has one)."""
    return {
        **_log_group("ApiAccess", {"Fn::Sub": "/aws/apigateway/sharemeter-${Stage}-access"}),
        "ApiGatewayCloudWatchRole": {
            "Type": "AWS::IAM::Role",
            "Condition": "ManageApiGatewayAccount",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                                   "Action": "sts:AssumeRole"}],
                },
                "ManagedPolicyArns": [
                    {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/"
                                "AmazonAPIGatewayPushToCloudWatchLogs"}
                ],
            },
        },
        "ApiGatewayAccount": {
            "Type": "AWS::ApiGateway::Account",
            "Condition": "ManageApiGatewayAccount",
            "Properties": {"CloudWatchRoleArn": {"Fn::GetAtt": ["ApiGatewayCloudWatchRole", "Arn"]}},
        },
    }


def _platform_key() -> Json:
    """The customer-managed key of logs, secrets, topics and queues (field encryption has its own key)."""
    source_account = {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    return {
        PLATFORM_KEY: {
            "Type": "AWS::KMS::Key",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "Description": "sharemeter platform data: log groups, secrets, SNS topics, SQS queues, the cache",
                "EnableKeyRotation": True,
                "KeyPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AccountAdministersKeyAndGrantsThroughIam",
                            "Effect": "Allow",
                            "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
                            "Action": "kms:*",
                            "Resource": "*",
                        },
                        {
                            "Sid": "CloudWatchLogsEncryptsOurLogGroups",
                            "Effect": "Allow",
                            "Principal": {"Service": {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}},
                            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                                       "kms:Describe*"],
                            "Resource": "*",
                            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": {
                                "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"}}},
                        },
                        {
                            "Sid": "ServicesPublishToOurEncryptedTopicsAndQueues",
                            "Effect": "Allow",
                            "Principal": {"Service": ["ses.amazonaws.com", "events.amazonaws.com",
                                                      "cloudwatch.amazonaws.com"]},
                            "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
                            "Resource": "*",
                            "Condition": source_account,
                        },
                    ],
                },
                "Tags": [{"Key": "app", "Value": "sharemeter"}],
            },
        },
        "PlatformKeyAlias": {
            "Type": "AWS::KMS::Alias",
            "Properties": {
                "AliasName": {"Fn::Sub": "alias/sharemeter-${Stage}-platform"},
                "TargetKeyId": {"Ref": PLATFORM_KEY},
            },
        },
    }


def _conditions(needs_vpc: bool) -> Json:
    conditions: Json = {
        "HasAlarmEmail": {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]},
        "HasPwaCertificate": {"Fn::Not": [{"Fn::Equals": [{"Ref": "PwaCertificateArn"}, ""]}]},
        "HasPwaWebAcl": {"Fn::Not": [{"Fn::Equals": [{"Ref": "PwaWebAclArn"}, ""]}]},
        "ManageApiGatewayAccount": {"Fn::Equals": [{"Ref": "ManageApiGatewayAccount"}, "true"]},
    }
    if needs_vpc:
        conditions |= network.conditions()
    return conditions


def _gateway_responses() -> Json:
    """RFC 9457 problems for what API Gateway answers without a Lambda: an unknown route (by default a 403 "Missing
    Authentication Token") becomes 404 not-found; throttling and the other 4XX/5XX say what happened."""
    headers = {"Content-Type": "'application/problem+json'", "Cache-Control": "'no-store'",
               "X-Content-Type-Options": "'nosniff'"}

    def problem(code: str, title: str, detail: str) -> Json:
        body = f'{{"type": "https://sharemeter.dev/problems/{code}", "title": "{title}", "detail": {detail}}}'
        return {"ResponseParameters": {"Headers": headers}, "ResponseTemplates": {"application/json": body}}

    return {
        "MISSING_AUTHENTICATION_TOKEN": {"StatusCode": "404", **problem("not-found", "Not found", '"no such route"')},
        "DEFAULT_4XX": problem("gateway-refused", "Refused by the API gateway", "$context.error.messageString"),
        "DEFAULT_5XX": problem("gateway-error", "API gateway error", "$context.error.messageString"),
    }


def _parameters(needs_vpc: bool) -> Json:
    parameters: Json = {
        "Stage": {
            "Type": "String",
            "Default": "prod",
            "AllowedPattern": "^[a-z][a-z0-9-]{0,15}$",
            "Description": "Deployment stage; names secrets, the SES configuration set and the schedule group",
        },
        "PwaOrigin": {
            "Type": "String",
            "AllowedPattern": "^https://[A-Za-z0-9.-]+(:[0-9]+)?$",
            "Description": "Origin of the PWA (https://..., no trailing slash): base of links in messages, CSRF origin",
        },
        "SesIdentity": {"Type": "String", "Description": "Verified SES identity (domain or address) mail is sent from"},
        "SesSender": {"Type": "String", "Description": "From address for account mail; must belong to SesIdentity"},
        "ApiThrottleRateLimit": {"Type": "Number", "Default": 50, "MinValue": 1, "Description": "Steady requests/s"},
        "ApiThrottleBurstLimit": {"Type": "Number", "Default": 100, "MinValue": 1, "Description": "Burst requests"},
        "PhotoRetentionDays": {
            "Type": "Number",
            "Default": 730,
            "MinValue": 1,
            "Description": "Days a reading photo is kept before the bucket's lifecycle rule deletes it",
        },
        "LogRetentionDays": {
            "Type": "Number",
            "Default": 30,
            "AllowedValues": [1, 3, 5, 7, 14, 30, 60, 90, 180, 365],
            "Description": "CloudWatch Logs retention for every function",
        },
    }
    parameters |= {
        "PwaDomainName": {"Type": "String", "Default": "",
                          "Description": "Host name of the PWA (PwaOrigin's host), with PwaCertificateArn"},
        "PwaCertificateArn": {"Type": "String", "Default": "",
                              "Description": "ACM certificate (us-east-1) for PwaDomainName: TLS 1.2+ only when set"},
        "PwaWebAclArn": {"Type": "String", "Default": "",
                         "Description": "WAFv2 web ACL (CLOUDFRONT scope, us-east-1) for the PWA distribution"},
        "ManageApiGatewayAccount": {
            "Type": "String", "Default": "true", "AllowedValues": ["true", "false"],
            "Description": "Set the account's API Gateway CloudWatch role (false if another stack already does)",
        },
        **operations.parameters(),
    }
    if needs_vpc:
        parameters |= network.parameters()
    return parameters


def _secrets() -> Json:
    generated = {"jwt_secret", "code_pepper"}  # random strings are valid values; the others are set by an operator
    resources: Json = {}
    for key, (logical_id, setting) in SECRETS.items():
        properties: Json = {
            "Name": {"Fn::Sub": f"sharemeter/${{Stage}}/{key.replace('_', '-')}"},
            "Description": f"sharemeter {setting}",
            "KmsKeyId": {"Ref": PLATFORM_KEY},
            "Tags": [{"Key": "app", "Value": "sharemeter"}],
        }
        if key in generated:
            properties["GenerateSecretString"] = {"PasswordLength": 64, "ExcludePunctuation": True}
        resources[logical_id] = {
            "Type": "AWS::SecretsManager::Secret",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": properties,
        }
    return resources


def _field_encryption_key() -> Json:
    return {
        "FieldEncryptionKey": {
            "Type": "AWS::KMS::Key",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "Description": "sharemeter field encryption (envelope keys; EncryptionContext names the user)",
                "EnableKeyRotation": True,
                "KeyPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AccountAdministersKey",
                            "Effect": "Allow",
                            "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
                            "Action": "kms:*",
                            "Resource": "*",
                        }
                    ],
                },
            },
        },
        "FieldEncryptionKeyAlias": {
            "Type": "AWS::KMS::Alias",
            "Properties": {
                "AliasName": {"Fn::Sub": "alias/sharemeter-${Stage}-fields"},
                "TargetKeyId": {"Ref": "FieldEncryptionKey"},
            },
        },
    }


def _delivery_events() -> Json:
    return {
        **operations.encrypted_topic("DeliveryEventsTopic", "sharemeter delivery events",
                                     publisher="ses.amazonaws.com", sid="SesPublishesDeliveryEvents"),
        "SesConfigurationSet": {
            "Type": "AWS::SES::ConfigurationSet",
            "Properties": {"Name": {"Fn::Sub": "sharemeter-${Stage}"}},
        },
        "SesDeliveryEventDestination": {
            "Type": "AWS::SES::ConfigurationSetEventDestination",
            "DependsOn": "DeliveryEventsTopicPolicy",
            "Properties": {
                "ConfigurationSetName": {"Ref": "SesConfigurationSet"},
                "EventDestination": {
                    "Name": "delivery-events-to-sns",
                    "Enabled": True,
                    "MatchingEventTypes": ["send", "reject", "bounce", "complaint", "delivery", "deliveryDelay"],
                    "SnsDestination": {"TopicARN": {"Ref": "DeliveryEventsTopic"}},
                },
            },
        },
    }


def _schedules(job_ids: list[str]) -> Json:
    resources: Json = {
        "ScheduleGroup": {
            "Type": "AWS::Scheduler::ScheduleGroup",
            "Properties": {"Name": {"Fn::Sub": "sharemeter-${Stage}"}},
        }
    }
    if job_ids:  # one-off schedules (e.g. per-bill reminders) created at run time invoke the job functions
        resources["SchedulerInvokeRole"] = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "scheduler.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                        }
                    ],
                },
                "Policies": [
                    {
                        "PolicyName": "InvokeJobFunctions",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "lambda:InvokeFunction",
                                    "Resource": [{"Fn::GetAtt": [job_id, "Arn"]} for job_id in job_ids],
                                }
                            ],
                        },
                    }
                ],
            },
        }
    return resources


CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # AWS managed cache policy


ACCESS_LOG_BUCKET = "AccessLogBucket"


def _private_bucket(
    extra_properties: Json,
    *,
    bucket_key: bool = False,
    logs_prefix: str | None = None,
    ownership: str = "BucketOwnerEnforced",
) -> Json:
    """An S3 bucket no one can make public: SSE-S3 encrypted, kept when the stack goes; its access logged to the
    access-log bucket under ``logs_prefix``."""
    encryption: Json = {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    if bucket_key:
        encryption["BucketKeyEnabled"] = True
    logging: Json = {}
    if logs_prefix is not None:
        logging = {"LoggingConfiguration": {"DestinationBucketName": {"Ref": ACCESS_LOG_BUCKET},
                                            "LogFilePrefix": logs_prefix}}
    return {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "OwnershipControls": {"Rules": [{"ObjectOwnership": ownership}]},
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [encryption]},
            **logging,
            **extra_properties,
            "Tags": [{"Key": "app", "Value": "sharemeter"}],
        },
    }


def _access_logs() -> Json:
    """S3 server access logs of both buckets and CloudFront's standard logs; expire with LogRetentionDays.

    CloudFront's standard logging writes through bucket ACLs, hence ``BucketOwnerPreferred`` (public access stays
    blocked). S3 delivers access logs only to SSE-S3 buckets."""
    bucket = _private_bucket(
        {
            "VersioningConfiguration": {"Status": "Enabled"},
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "ExpireAccessLogs",
                        "Status": "Enabled",
                        "ExpirationInDays": {"Ref": "LogRetentionDays"},
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                    }
                ]
            },
        },
        ownership="BucketOwnerPreferred",
    )
    bucket["Metadata"] = scanner.skip(("CKV_AWS_18", scanner.LOG_BUCKET_LOGS_NOTHING))
    return {
        ACCESS_LOG_BUCKET: bucket,
        "AccessLogBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": ACCESS_LOG_BUCKET},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "S3DeliversServerAccessLogs",
                            "Effect": "Allow",
                            "Principal": {"Service": "logging.s3.amazonaws.com"},
                            "Action": "s3:PutObject",
                            "Resource": {"Fn::Sub": f"${{{ACCESS_LOG_BUCKET}.Arn}}/s3/*"},
                            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                        },
                        _tls_only(ACCESS_LOG_BUCKET),
                    ],
                },
            },
        },
    }


def _tls_only(bucket: str) -> Json:
    """A bucket-policy statement refusing every request that does not come over TLS."""
    return {
        "Sid": "TlsOnly",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [{"Fn::GetAtt": [bucket, "Arn"]}, {"Fn::Sub": f"${{{bucket}.Arn}}/*"}],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _pwa_hosting() -> Json:
    return {
        **app_hosting.resources(),
        "PwaBucket": _private_bucket({"VersioningConfiguration": {"Status": "Enabled"}}, logs_prefix="s3/pwa/"),
        "PwaOriginAccessControl": {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {
                "OriginAccessControlConfig": {
                    "Name": {"Fn::Sub": "sharemeter-${Stage}-pwa"},
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        },
        "PwaDistribution": {
            "Type": "AWS::CloudFront::Distribution",
            "Metadata": scanner.skip(("CKV_AWS_174", scanner.DEFAULT_CLOUDFRONT_CERTIFICATE),
                                     ("CKV_AWS_68", scanner.WAF_IS_A_PARAMETER)),
            "Properties": {
                "DistributionConfig": {
                    "Enabled": True,
                    "Comment": {"Fn::Sub": "sharemeter ${Stage} PWA"},
                    "DefaultRootObject": "index.html",
                    "HttpVersion": "http2and3",
                    "Aliases": {"Fn::If": ["HasPwaCertificate", [{"Ref": "PwaDomainName"}], {"Ref": "AWS::NoValue"}]},
                    "ViewerCertificate": {
                        "Fn::If": [
                            "HasPwaCertificate",
                            {"AcmCertificateArn": {"Ref": "PwaCertificateArn"}, "SslSupportMethod": "sni-only",
                             "MinimumProtocolVersion": "TLSv1.2_2021"},
                            {"CloudFrontDefaultCertificate": True},
                        ]
                    },
                    "WebACLId": {"Fn::If": ["HasPwaWebAcl", {"Ref": "PwaWebAclArn"}, {"Ref": "AWS::NoValue"}]},
                    "Logging": {
                        "Bucket": {"Fn::GetAtt": [ACCESS_LOG_BUCKET, "DomainName"]},
                        "Prefix": "cloudfront/pwa/",
                        "IncludeCookies": False,
                    },
                    "PriceClass": "PriceClass_100",
                    "Origins": [
                        {
                            "Id": "pwa",
                            "DomainName": {"Fn::GetAtt": ["PwaBucket", "RegionalDomainName"]},
                            "OriginAccessControlId": {"Fn::GetAtt": ["PwaOriginAccessControl", "Id"]},
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                        },
                        app_hosting.api_origin(),
                    ],
                    "DefaultCacheBehavior": {
                        "TargetOriginId": "pwa",
                        "ViewerProtocolPolicy": "redirect-to-https",
                        "Compress": True,
                        "AllowedMethods": ["GET", "HEAD"],
                        "CachePolicyId": CACHING_OPTIMIZED,
                        **app_hosting.app_behaviour_extras(),
                    },
                    "CacheBehaviors": [app_hosting.api_behaviour()],
                }
            },
        },
        "PwaBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "PwaBucket"},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "CloudFrontReadsThroughOac",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudfront.amazonaws.com"},
                            "Action": "s3:GetObject",
                            "Resource": {"Fn::Sub": "${PwaBucket.Arn}/*"},
                            "Condition": {
                                "StringEquals": {
                                    "AWS:SourceArn": {
                                        "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:"
                                        "distribution/${PwaDistribution}"
                                    }
                                }
                            },
                        },
                        _tls_only("PwaBucket"),
                    ],
                },
            },
        },
    }


def _photo_storage() -> Json:
    """Reading photos: private, encrypted, TLS-only, expiring; browsers upload with presigned POSTs from the PWA."""
    bucket = _private_bucket(
            {
                "LifecycleConfiguration": {
                    "Rules": [
                        {
                            "Id": "ExpireReadingPhotos",
                            "Status": "Enabled",
                            "Prefix": "groups/",
                            "ExpirationInDays": {"Ref": "PhotoRetentionDays"},
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                        }
                    ]
                },
                "CorsConfiguration": {
                    "CorsRules": [
                        {
                            "AllowedOrigins": [{"Ref": "PwaOrigin"}],
                            "AllowedMethods": ["POST", "GET"],
                            "AllowedHeaders": ["*"],
                            "MaxAge": 600,
                        }
                    ]
                },
            },
            bucket_key=True,
            logs_prefix="s3/photos/",
        )
    bucket["Metadata"] = scanner.skip(("CKV_AWS_21", scanner.PHOTOS_ARE_ERASED))
    return {
        "PhotoBucket": bucket,
        "PhotoBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "PhotoBucket"},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [_tls_only("PhotoBucket")],
                },
            },
        },
    }


def _stack_outputs(needs_vpc: bool) -> Json:
    outputs: Json = {
        "AlarmTopicArn": {"Value": {"Ref": operations.ALARM_TOPIC}},
        "DashboardName": {"Value": {"Ref": "OperationsDashboard"}},
    }
    if needs_vpc:
        outputs["RedisEndpoint"] = {"Condition": network.CREATE_CACHE,
                                    "Value": {"Fn::GetAtt": [network.CACHE, "Endpoint.Address"]}}
    return outputs | {
        "PhotoBucketName": {"Value": {"Ref": "PhotoBucket"}},
        "PwaBucketName": {"Value": {"Ref": "PwaBucket"}},
        "PwaDistributionId": {"Value": {"Ref": "PwaDistribution"}},
        "PwaUrl": {"Value": {"Fn::Sub": "https://${PwaDistribution.DomainName}"}},
        "DeliveryEventsTopicArn": {"Value": {"Ref": "DeliveryEventsTopic"}},
        "ScheduleGroupName": {"Value": {"Ref": "ScheduleGroup"}},
        "FieldEncryptionKeyArn": {"Value": {"Fn::GetAtt": ["FieldEncryptionKey", "Arn"]}},
    }
