"""Texts of the account messages. Bodies may hold codes: they go to the notifier, never to a log."""

from __future__ import annotations

from chalicelib.adapters.notify.port import Channel, Message

_TEMPLATES: dict[str, tuple[str, str]] = {
    "verify-email": (
        "Confirm your sharemeter email",
        "Your sharemeter verification code is {code}. It expires in 10 minutes.\nOr open {link}",
    ),
    "verify-phone": ("", "Your sharemeter phone verification code is {code}. It expires in 10 minutes."),
    "existing-account": (
        "Someone tried to register with your email",
        "Somebody tried to create a sharemeter account with this email address, which already has one. If it was you, "
        "log in or reset your password. If not, you can ignore this message.",
    ),
    "login-code": ("Your sharemeter sign-in code", "Your sharemeter sign-in code is {code}. It expires in 10 minutes."),
    "password-reset": (
        "Reset your sharemeter password",
        "Your password reset code is {code}. It expires in 10 minutes.\nOr open {link}\n"
        "If you did not ask for this, ignore this message: your password stays as it is.",
    ),
    "password-changed": (
        "Your sharemeter password was changed",
        "The password of your sharemeter account was changed and every session was signed out. If this was not you, "
        "reset your password now.",
    ),
    "mfa-changed": (
        "Your sharemeter two-factor settings changed",
        "Two-factor authentication on your account changed: {change}. Every other session was signed out. If this was "
        "not you, reset your password now.",
    ),
    "change-email": (
        "Confirm your new sharemeter email",
        "Your code to confirm this address for your sharemeter account is {code}. It expires in 10 minutes.",
    ),
    "email-changed": (
        "Your sharemeter email address changed",
        "The email address of your sharemeter account was changed to another one. If this was not you, contact us "
        "and reset your password now.",
    ),
    "phone-changed": (
        "Your sharemeter phone number changed",
        "The phone number on your sharemeter account was changed. If this was not you, reset your password now.",
    ),
    "account-disabled": ("Your sharemeter account was disabled", "Your sharemeter account was disabled."),
    "reading-reminder": (
        "Time to read meter {serial}",
        "The reading window of {group} is open. Please read meter {serial} and enter the value in sharemeter by "
        "{last_day}.",
    ),
    "reading-reminder-closing": (
        "Last day to read meter {serial}",
        "The reading window of {group} closes at the end of {last_day}. Please read meter {serial} and enter the "
        "value in sharemeter, or the consumption will be estimated.",
    ),
    "payment-reminder-due": (
        "{group}: {amount} {currency} due on {due_on}",
        "Your share of the {group} bill ({bill}) is due on {due_on}: {amount} {currency} still to pay. The bill and "
        "how your share was worked out are in sharemeter.",
    ),
    "payment-reminder-overdue": (
        "{group}: {amount} {currency} is overdue",
        "Your share of the {group} bill ({bill}) was due on {due_on}; {amount} {currency} is still unpaid. Please pay "
        "it or record your payment in sharemeter.",
    ),
    "group-invitation": (
        "{inviter} invited you to {group} on sharemeter",
        "{inviter} invited you to share the meter of {group} on sharemeter. Sign in with this email address and open "
        "{link}\nThe invitation works once and expires in {days} days. If you do not know the sender, ignore it.",
    ),
    "group-invitation-sms": ("", "{inviter} invited you to {group} on sharemeter: {link} (expires in {days} days)"),
}


def compose(template: str, channel: Channel, recipient: str, **values: str) -> Message:
    subject, body = _TEMPLATES[template]
    return Message(
        channel=channel,
        recipient=recipient,
        subject=subject.format(**values),
        body=body.format(**values),
        template=template,
    )
