"""What an operator sees: each event logged once as JSON, business metrics as CloudWatch EMF without personal data,
correlation ids on job invocations, and X-Ray subsegments on Lambda only.

Each case runs the app in a fresh interpreter (the logging handlers, the metrics and the X-Ray SDK are per process),
with the environment a Lambda runtime gives (``AWS_LAMBDA_FUNCTION_NAME``, ``LAMBDA_TASK_ROOT``...) where it matters,
and reads what the process writes to stdout, which is what CloudWatch Logs receives.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EVENT_ID = "7bf73129-1428-4cd3-a780-95db273d1602"
SCHEDULED_EVENT = {
    "version": "0", "id": EVENT_ID, "detail-type": "Scheduled Event", "source": "aws.events",
    "account": "123456789012", "time": "2026-11-01T09:00:00Z", "region": "eu-west-1",
    "resources": ["arn:aws:events:eu-west-1:123456789012:rule/bill-drafts"], "detail": {},
}
INVOKE_JOB = f"""
import json, app
class Context:
    function_name = "sharemeter-prod-BillDrafts"
    aws_request_id = "0d9f6a5e-1111-2222-3333-444455556666"
print("RESULT", json.dumps(app.bill_drafts({SCHEDULED_EVENT!r}, Context())))
"""
ON_LAMBDA = {"AWS_LAMBDA_FUNCTION_NAME": "sharemeter-prod-BillDrafts", "LAMBDA_TASK_ROOT": str(ROOT)}


def _run(code: str, tmp_path: Path, **env: str) -> list[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"ROUTE_GROUP", "SHAREMETER_STAGE"}
            and not k.startswith(("AWS_", "POWERTOOLS_", "LAMBDA_", "_X_AMZN"))}
    environment = base | {"SHAREMETER_DATA_DIR": str(tmp_path / "data")} | env
    completed = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=environment,
                               capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.splitlines()


def _json_lines(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines if line.startswith("{")]


def _emf(lines: list[str]) -> list[dict[str, Any]]:
    return [line for line in _json_lines(lines) if "_aws" in line]


def test_an_event_is_logged_once_as_json_and_never_as_plain_text(tmp_path: Path) -> None:
    lines = _run("""
        import app
        from chalicelib.observability import record_event
        record_event("user.registered", user_id="u-1")
    """, tmp_path)
    assert lines and all(line.startswith("{") for line in lines), lines  # Chalice's "sharemeter - INFO - ..." is gone
    [event] = [line for line in _json_lines(lines) if line.get("event") == "user.registered"]
    assert event["message"] == "user.registered" and event["level"] == "INFO" and event["user_id"] == "u-1"


def test_locally_no_metrics_are_written(tmp_path: Path) -> None:
    lines = _run("""
        import app
        from chalicelib.observability import flush_metrics, record_event
        record_event("bill.issued", group_id="g-1", shares=3)
        flush_metrics()
    """, tmp_path)
    assert _emf(lines) == []


def test_on_lambda_business_events_become_emf_metrics_with_no_personal_dimension(tmp_path: Path) -> None:
    lines = _run("""
        import app
        from chalicelib.observability import flush_metrics, record_event
        record_event("reading.recorded", group_id="g-secret-1", meter_id="m-secret-2", is_flagged=False)
        record_event("readings.imported", group_id="g-secret-1", rows=3, flagged=0)
        record_event("user.registered", user_id="u-secret-3")
        record_event("webhook.signature_failed", provider="stripe")
        record_event("meter.created", group_id="g-secret-1", meter_id="m-secret-2", kind="electricity")
        flush_metrics()
    """, tmp_path, POWERTOOLS_TRACE_DISABLED="true", **ON_LAMBDA)
    [blob] = _emf(lines)
    [directive] = blob["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "sharemeter"
    assert directive["Dimensions"] == [["service"]] and blob["service"] == "sharemeter"
    names = {metric["Name"] for metric in directive["Metrics"]}
    assert names == {"ReadingsRecorded", "UsersRegistered", "WebhookSignatureFailures"}
    assert sum(blob["ReadingsRecorded"]) == 4 and blob["WebhookSignatureFailures"] == [1.0]
    assert "secret" not in json.dumps(blob)  # ids stay in the log lines, never in metrics
    assert len([line for line in _json_lines(lines) if line.get("event")]) == 5  # each event logged once


def test_a_job_invocation_carries_its_event_id_and_flushes_its_metrics_once(tmp_path: Path) -> None:
    lines = _run(INVOKE_JOB, tmp_path, SHAREMETER_STAGE="local", POWERTOOLS_TRACE_DISABLED="true", **ON_LAMBDA)
    assert any(line.startswith("RESULT ") for line in lines)
    [run] = [line for line in _json_lines(lines) if line.get("event") == "bill_drafts.run"]
    assert run["correlation_id"] == EVENT_ID  # the EventBridge event's id: the same in its retries and its DLQ entry
    [blob] = _emf(lines)
    assert blob["JobRuns"] == [1.0]


def test_the_xray_sdk_is_never_loaded_off_lambda(tmp_path: Path) -> None:
    lines = _run("""
        import sys, app
        from chalicelib.observability import observe_invocation
        observe_invocation("local", "c0rrelation-id", lambda: None)
        print("LOADED", sorted(m for m in sys.modules if m.startswith("aws_xray_sdk")))
    """, tmp_path, SHAREMETER_STAGE="prod")
    assert "LOADED []" in lines


def test_on_lambda_each_invocation_is_an_xray_subsegment_and_unused_libraries_stay_unloaded(tmp_path: Path) -> None:
    """The X-Ray SDK sends segments over UDP to the daemon address Lambda provides; here a socket the test owns."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as daemon:
        daemon.bind(("127.0.0.1", 0))
        daemon.settimeout(10)
        address = f"127.0.0.1:{daemon.getsockname()[1]}"
        trace = "Root=1-6745a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"
        lines = _run(INVOKE_JOB + "\nimport sys; print('LOADED', sorted({'botocore.client', 'pymongo', 'requests'}"
                     " & set(sys.modules)))", tmp_path, SHAREMETER_STAGE="local", AWS_XRAY_DAEMON_ADDRESS=address,
                     _X_AMZN_TRACE_ID=trace, AWS_XRAY_CONTEXT_MISSING="LOG_ERROR", **ON_LAMBDA)
        received = [daemon.recv(65536).decode()]
    header, _, body = received[0].partition("\n")
    assert json.loads(header)["format"] == "json"
    subsegment = json.loads(body)
    assert subsegment["name"] == "## sharemeter-prod-BillDrafts"
    assert subsegment["trace_id"] == "1-6745a1b2-0123456789abcdef01234567"
    assert subsegment["annotations"] == {"ColdStart": True, "Service": "sharemeter", "CorrelationId": EVENT_ID}
    assert "LOADED []" in lines  # patching waits for the first import: the SQLite-backed job loaded none of them
