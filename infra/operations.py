"""What an operator is told: dead-letter queues for the jobs, CloudWatch alarms to an SNS topic, and a dashboard.

Each alarm is explained, with what to do, in docs/operations.md (a test keeps the two in step). The business metrics
come from ``chalicelib/observability.py`` (EMF, namespace ``sharemeter``, dimension ``service``).
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.observability import METRIC_NAMESPACE, SERVICE

Json = dict[str, Any]
PLATFORM_KEY = "PlatformKey"
ALARM_TOPIC = "AlarmTopic"
API_STAGE = "api"  # chalice's api_gateway_stage (.chalice/config.json)
API_NAME = "sharemeter-${Stage}"  # the RestAPI's Name (Fn::Sub): the ApiName dimension of its metrics
FIVE_MINUTES = 300
#: a job's event older than this is superseded by the next hourly run: retrying it later would only run it twice
JOB_EVENT_MAX_AGE = 3600
JOB_ASYNC_RETRIES = 2
SCHEDULE_DELIVERY_RETRIES = 4
SERVICE_DIMENSION = [{"Name": "service", "Value": SERVICE}]


def dead_letter_queue_id(function_id: str) -> str:
    return f"{function_id}DeadLetterQueue"


def job_failure_handling(function_id: str, schedule_event: str | None) -> tuple[Json, Json]:
    """(properties merged into the job's function, resources): its own encrypted dead-letter queue, which receives
    an invocation Lambda gave up on after its retries and an event EventBridge could not deliver after its own."""
    queue = dead_letter_queue_id(function_id)
    queue_arn = {"Fn::GetAtt": [queue, "Arn"]}
    properties: Json = {
        "DeadLetterQueue": {"Type": "SQS", "TargetArn": queue_arn},
        "EventInvokeConfig": {"MaximumRetryAttempts": JOB_ASYNC_RETRIES, "MaximumEventAgeInSeconds": JOB_EVENT_MAX_AGE},
    }
    if schedule_event is not None:
        properties["Events"] = {
            schedule_event: {
                "Properties": {
                    "RetryPolicy": {
                        "MaximumRetryAttempts": SCHEDULE_DELIVERY_RETRIES,
                        "MaximumEventAgeInSeconds": JOB_EVENT_MAX_AGE,
                    },
                    "DeadLetterConfig": {"Arn": queue_arn},
                }
            }
        }
    resources: Json = {
        queue: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "MessageRetentionPeriod": 14 * 24 * 3600,
                "KmsMasterKeyId": {"Ref": PLATFORM_KEY},
                "Tags": [{"Key": "app", "Value": "sharemeter"}],
            },
        },
        f"{queue}Policy": {
            "Type": "AWS::SQS::QueuePolicy",
            "Properties": {
                "Queues": [{"Ref": queue}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "EventBridgeDeadLettersUndeliveredSchedules",
                            "Effect": "Allow",
                            "Principal": {"Service": "events.amazonaws.com"},
                            "Action": "sqs:SendMessage",
                            "Resource": queue_arn,
                            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                        }
                    ],
                },
            },
        },
    }
    return properties, resources


def dead_letter_statement() -> Json:
    """The job's role writes to its encrypted queue (SAM grants sqs:SendMessage; the key needs granting too)."""
    return {
        "Sid": "EncryptOwnDeadLetters",
        "Effect": "Allow",
        "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
        "Resource": {"Fn::GetAtt": [PLATFORM_KEY, "Arn"]},
        "Condition": {"StringEquals": {"kms:ViaService": {"Fn::Sub": "sqs.${AWS::Region}.amazonaws.com"}}},
    }


def _alarm(description: str, **properties: Any) -> Json:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": f"{description} Runbook: docs/operations.md",
            "ActionsEnabled": True,
            "AlarmActions": [{"Ref": ALARM_TOPIC}],
            "OKActions": [{"Ref": ALARM_TOPIC}],
            "TreatMissingData": "notBreaching",
            **properties,
        },
    }


def _api_metric(name: str, statistic: str) -> Json:
    return {
        "Metric": {
            "Namespace": "AWS/ApiGateway",
            "MetricName": name,
            "Dimensions": [{"Name": "ApiName", "Value": {"Fn::Sub": API_NAME}}, {"Name": "Stage", "Value": API_STAGE}],
        },
        "Period": FIVE_MINUTES,
        "Stat": statistic,
    }


def alarms(api_function_ids: list[str], job_function_ids: list[str]) -> Json:
    """Logical id -> alarm; every alarm notifies :data:`ALARM_TOPIC` when it fires and when it clears."""
    resources: Json = {
        "ApiServerErrorRateAlarm": _alarm(
            "More than Api5xxRatePercent % of API requests answered 5xx in 2 of the last 3 five-minute periods.",
            ComparisonOperator="GreaterThanThreshold",
            Threshold={"Ref": "Api5xxRatePercent"},
            EvaluationPeriods=3,
            DatapointsToAlarm=2,
            Metrics=[
                {"Id": "errors", "MetricStat": _api_metric("5XXError", "Sum"), "ReturnData": False},
                {"Id": "requests", "MetricStat": _api_metric("Count", "Sum"), "ReturnData": False},
                {"Id": "rate", "Expression": "IF(requests >= 20, 100 * errors / requests, 0)",
                 "Label": "5xx % of requests (periods with 20+ requests)", "ReturnData": True},
            ],
        ),
        "ApiLatencyP99Alarm": _alarm(
            "API p99 latency above ApiLatencyP99Milliseconds for 3 five-minute periods in a row.",
            Namespace="AWS/ApiGateway",
            MetricName="Latency",
            Dimensions=_api_metric("Latency", "p99")["Metric"]["Dimensions"],
            ExtendedStatistic="p99",
            Period=FIVE_MINUTES,
            EvaluationPeriods=3,
            Threshold={"Ref": "ApiLatencyP99Milliseconds"},
            ComparisonOperator="GreaterThanThreshold",
        ),
        "WebhookSignatureFailuresAlarm": _alarm(
            "WebhookSignatureFailureThreshold or more webhook requests with a signature that does not verify in five "
            "minutes (metric WebhookSignatureFailures, namespace sharemeter).",
            Namespace=METRIC_NAMESPACE,
            MetricName="WebhookSignatureFailures",
            Dimensions=SERVICE_DIMENSION,
            Statistic="Sum",
            Period=FIVE_MINUTES,
            EvaluationPeriods=1,
            Threshold={"Ref": "WebhookSignatureFailureThreshold"},
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        ),
    }
    for function_id in [*api_function_ids, *job_function_ids]:
        resources[f"{function_id}ThrottlesAlarm"] = _alarm(
            f"{function_id} was throttled (its reserved concurrency or the account's limit was reached).",
            **_function_metric(function_id, "Throttles", FIVE_MINUTES),
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )
    for function_id in job_function_ids:
        resources[f"{function_id}FailuresAlarm"] = _alarm(
            f"Job {function_id} raised an error in the last hour (Lambda retries it; its dead-letter queue alarm tells "
            "when a run was given up).",
            **_function_metric(function_id, "Errors", 3600),
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )
        queue = dead_letter_queue_id(function_id)
        resources[f"{queue}DepthAlarm"] = _alarm(
            f"A run of job {function_id} was given up and is waiting in {queue}.",
            Namespace="AWS/SQS",
            MetricName="ApproximateNumberOfMessagesVisible",
            Dimensions=[{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}],
            Statistic="Maximum",
            Period=FIVE_MINUTES,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )
    return resources


def _function_metric(function_id: str, name: str, period: int) -> Json:
    return {
        "Namespace": "AWS/Lambda",
        "MetricName": name,
        "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": function_id}}],
        "Statistic": "Sum",
        "Period": period,
    }


def encrypted_topic(topic: str, display_name: str, *, publisher: str, sid: str) -> Json:
    """An SNS topic under the platform key that only ``publisher`` (an AWS service of this account) publishes to."""
    return {
        topic: {
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "DisplayName": display_name,
                "KmsMasterKeyId": {"Ref": PLATFORM_KEY},
                "Tags": [{"Key": "app", "Value": "sharemeter"}],
            },
        },
        f"{topic}Policy": {
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {
                "Topics": [{"Ref": topic}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": sid,
                            "Effect": "Allow",
                            "Principal": {"Service": publisher},
                            "Action": "sns:Publish",
                            "Resource": {"Ref": topic},
                            "Condition": {"StringEquals": {"AWS:SourceAccount": {"Ref": "AWS::AccountId"}}},
                        }
                    ],
                },
            },
        },
    }


def alarm_topic() -> Json:
    return {
        **encrypted_topic(ALARM_TOPIC, "sharemeter alarms", publisher="cloudwatch.amazonaws.com",
                          sid="CloudWatchPublishesAlarms"),
        "AlarmEmailSubscription": {
            "Type": "AWS::SNS::Subscription",
            "Condition": "HasAlarmEmail",
            "Properties": {"TopicArn": {"Ref": ALARM_TOPIC}, "Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}},
        },
    }


def dashboard(api_function_ids: list[str], job_function_ids: list[str]) -> Json:
    """One dashboard: the API, every function, the jobs and their dead letters, the business metrics."""
    functions = [*api_function_ids, *job_function_ids]

    def api(metric: str) -> list[str]:
        return ["AWS/ApiGateway", metric, "ApiName", API_NAME, "Stage", API_STAGE]

    def per_function(metric: str, stat: str) -> list[list[Any]]:
        return [["AWS/Lambda", metric, "FunctionName", f"${{{f}}}", {"stat": stat, "label": f}] for f in functions]

    def widget(title: str, metrics: list[list[Any]], x: int, y: int, **extra: Any) -> Json:
        return {"type": "metric", "x": x, "y": y, "width": 12, "height": 6,
                "properties": {"title": title, "region": "${AWS::Region}", "metrics": metrics, "period": 300,
                               "view": "timeSeries", **extra}}

    business = ["UsersRegistered", "LoginsSucceeded", "LoginsFailed", "ReadingsRecorded", "BillsDrafted",
                "BillsIssued", "PaymentsRecorded", "JobRuns", "RemindersSent", "DeliveryFailures",
                "WebhookSignatureFailures"]
    body = {
        "widgets": [
            widget("API requests and errors", [
                [*api(metric), {"stat": "Sum"}] for metric in ("Count", "4XXError", "5XXError")
            ], 0, 0),
            widget("API latency", [
                [*api("Latency"), {"stat": stat}] for stat in ("p50", "p99")
            ], 12, 0),
            widget("Function errors", per_function("Errors", "Sum"), 0, 6),
            widget("Function throttles", per_function("Throttles", "Sum"), 12, 6),
            widget("Function duration p99", per_function("Duration", "p99"), 0, 12),
            widget("Concurrent executions", per_function("ConcurrentExecutions", "Maximum"), 12, 12),
            widget("Business events (sharemeter)", [
                [METRIC_NAMESPACE, name, "service", SERVICE, {"stat": "Sum"}] for name in business
            ], 0, 18),
            widget("Jobs: dead letters waiting", [
                ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName",
                 f"${{{dead_letter_queue_id(f)}.QueueName}}", {"stat": "Maximum", "label": f}]
                for f in job_function_ids
            ], 12, 18),
        ]
    }
    return {
        "OperationsDashboard": {
            "Type": "AWS::CloudWatch::Dashboard",
            "Properties": {
                "DashboardName": {"Fn::Sub": "sharemeter-${Stage}"},
                "DashboardBody": {"Fn::Sub": json.dumps(body)},
            },
        }
    }


def parameters() -> Json:
    return {
        "AlarmEmail": {"Type": "String", "Default": "", "Description": "Address subscribed to the alarms (optional)"},
        "Api5xxRatePercent": {"Type": "Number", "Default": 1, "MinValue": 0, "Description": "5xx alarm threshold, %"},
        "ApiLatencyP99Milliseconds": {"Type": "Number", "Default": 3000, "MinValue": 100,
                                      "Description": "p99 API latency alarm threshold"},
        "WebhookSignatureFailureThreshold": {"Type": "Number", "Default": 5, "MinValue": 1,
                                             "Description": "Bad webhook signatures in 5 minutes that raise an alarm"},
    }
