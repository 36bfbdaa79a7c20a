"""Email through SES v2 and SMS through SNS, against moto's server (a real HTTP endpoint speaking the AWS APIs)."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import replace

import boto3
import pytest

from chalicelib.adapters.notify.aws import AwsNotifier
from chalicelib.adapters.notify.port import DeliveryFailed, Message
from chalicelib.settings import Settings

REGION = "eu-central-1"
SENDER = "no-reply@sharemeter.example"


def _notifier(endpoint: str) -> AwsNotifier:
    settings = replace(Settings(), aws_region=REGION, aws_endpoint_url=endpoint, ses_sender=SENDER)
    return AwsNotifier(settings)


def _sent(endpoint: str) -> dict[str, object]:
    with urllib.request.urlopen(f"{endpoint}/moto-api/data.json") as reply:  # noqa: S310 (moto on loopback)
        data: dict[str, object] = json.load(reply)
        return data


def test_email_goes_through_ses_from_the_configured_sender(aws_env: str) -> None:
    ses = boto3.client("sesv2", region_name=REGION, endpoint_url=aws_env)
    ses.create_email_identity(EmailIdentity=SENDER)
    message = Message("email", "ann@example.org", "Your code", "Your code is 123456", "verify-email")
    message_id = _notifier(aws_env).send(message)
    assert message_id
    sent = boto3.client("ses", region_name=REGION, endpoint_url=aws_env).get_send_quota()
    assert sent["SentLast24Hours"] == 1


def test_email_is_tagged_with_the_configuration_set_for_delivery_events(aws_env: str) -> None:
    ses = boto3.client("sesv2", region_name=REGION, endpoint_url=aws_env)
    ses.create_email_identity(EmailIdentity=SENDER)
    ses.create_configuration_set(ConfigurationSetName="sharemeter-delivery")
    settings = replace(Settings(), aws_region=REGION, aws_endpoint_url=aws_env, ses_sender=SENDER,
                       ses_configuration_set="sharemeter-delivery")
    notifier = AwsNotifier(settings)
    sent: list[dict[str, object]] = []  # what the real SDK put on the wire (moto accepts but does not keep it)
    notifier._ses.meta.events.register(
        "before-parameter-build.sesv2.SendEmail", lambda params, **_: sent.append(dict(params))
    )
    assert notifier.send(Message("email", "ann@example.org", "Hi", "Body", "verify-email"))
    assert [p.get("ConfigurationSetName") for p in sent] == ["sharemeter-delivery"]


def test_sms_goes_through_sns_as_transactional(aws_env: str) -> None:
    message = Message("sms", "+4915112345678", "", "Your code is 123456", "verify-phone")
    assert _notifier(aws_env).send(message)
    sns_data = _sent(aws_env)["sns"]
    assert "+4915112345678" in json.dumps(sns_data)


def test_unverified_sender_is_a_delivery_failure_not_a_crash(aws_env: str) -> None:
    message = Message("email", "ann@example.org", "Hi", "Body", "verify-email")
    with pytest.raises(DeliveryFailed):
        _notifier(aws_env).send(message)


def test_a_channel_without_a_provider_is_refused_clearly(aws_env: str) -> None:
    """A channel the adapter has no provider for ("voice" is no Channel) is refused clearly, never dropped."""
    with pytest.raises(DeliveryFailed, match="no provider configured for voice"):
        _notifier(aws_env).send(Message("voice", "+4915112345678", "", "Hello", "reminder"))  # type: ignore[arg-type]


def test_health_ping_calls_ses_and_reports_an_unreachable_endpoint(aws_env: str) -> None:
    _notifier(aws_env).ping()  # a real SES call against moto
    unreachable = replace(Settings(), aws_region=REGION, aws_endpoint_url="http://127.0.0.1:9", ses_sender=SENDER)
    with pytest.raises(DeliveryFailed, match="SES is not reachable"):
        AwsNotifier(unreachable).ping()
