"""Delivery through AWS: email with SES (v2 API), SMS with SNS. boto3 is imported and clients built on first send."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.notify.port import DeliveryFailed, Message

if TYPE_CHECKING:
    from chalicelib.settings import Settings


class AwsNotifier:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def _client(self, service: str) -> Any:
        import boto3

        return boto3.client(
            service, region_name=self._settings.aws_region, endpoint_url=self._settings.aws_endpoint_url
        )

    @cached_property
    def _ses(self) -> Any:
        return self._client("sesv2")

    @cached_property
    def _sns(self) -> Any:
        return self._client("sns")

    def ping(self) -> None:
        """One cheap SES call: proves the network path (NAT or VPC endpoint) and the credentials."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client("ses").get_send_quota()
        except (BotoCoreError, ClientError) as error:
            raise DeliveryFailed("SES is not reachable") from error

    def send(self, message: Message) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            if message.channel == "email":
                return self._send_email(message)
            if message.channel == "sms":
                return self._send_sms(message)
        except (BotoCoreError, ClientError) as error:
            raise DeliveryFailed(f"{message.channel} delivery failed") from error
        raise DeliveryFailed(f"no provider configured for {message.channel}")  # a channel the port added later

    def _send_email(self, message: Message) -> str:
        tracking = (
            {"ConfigurationSetName": self._settings.ses_configuration_set}  # delivery events go to its SNS destination
            if self._settings.ses_configuration_set
            else {}
        )
        reply = self._ses.send_email(
            **tracking,
            FromEmailAddress=self._settings.ses_sender,
            Destination={"ToAddresses": [message.recipient]},
            Content={
                "Simple": {
                    "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": message.body, "Charset": "UTF-8"}},
                }
            },
            EmailTags=[{"Name": "template", "Value": message.template}],
        )
        return str(reply["MessageId"])

    def _send_sms(self, message: Message) -> str:
        reply = self._sns.publish(
            PhoneNumber=message.recipient,
            Message=message.body,
            MessageAttributes={
                "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
                "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": "sharemeter"},
            },
        )
        return str(reply["MessageId"])
