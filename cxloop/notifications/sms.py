"""Text messages through a provider: one interface, one implementation (Twilio's Messages API).

The outbox (TextMessage, cxloop.notifications.sms_services) only knows `SmsProvider`: send a body
to a number and get the provider's id back, or an error that says whether trying again can help.
The provider is chosen by settings (CXLOOP_SMS_PROVIDER and CXLOOP_SMS_*), so a test points the
base URL at a fake of the provider's HTTP API on loopback.
"""

from typing import Protocol

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# A provider that has not answered in this long is treated as unreachable (retry later).
SMS_TIMEOUT_SECONDS = 10


class SmsError(Exception):
    """The provider did not take the message."""


class SmsRetryable(SmsError):
    """Unreachable, overloaded or rate-limited: the same message may go through later."""


class SmsPermanent(SmsError):
    """Refused for good (a bad number, a blocked recipient, bad credentials): never retried."""


class SmsProvider(Protocol):
    def send(self, *, to: str, body: str) -> str:
        """Send `body` to `to`; the provider's id of the message. Raises SmsRetryable or SmsPermanent."""
        ...


class TwilioProvider:
    """Twilio's Messages REST API: POST {base}/2010-04-01/Accounts/{sid}/Messages.json with basic
    auth (account SID and auth token) and the form fields To, From and Body; 201 with the message's
    `sid` when accepted."""

    def __init__(self, *, base_url: str, account: str, token: str, sender: str) -> None:
        if not (account and token and sender):
            raise ImproperlyConfigured(
                "Twilio needs CXLOOP_SMS_ACCOUNT, CXLOOP_SMS_TOKEN and CXLOOP_SMS_FROM."
            )
        self.url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account}/Messages.json"
        self.auth = (account, token)
        self.sender = sender

    def send(self, *, to: str, body: str) -> str:
        try:
            response = requests.post(
                self.url,
                data={"To": to, "From": self.sender, "Body": body},
                auth=self.auth,
                timeout=SMS_TIMEOUT_SECONDS,
            )
        except requests.RequestException as error:
            raise SmsRetryable(f"Twilio unreachable: {error.__class__.__name__}") from error
        if response.status_code == 429 or response.status_code >= 500:
            raise SmsRetryable(f"Twilio answered {response.status_code}")
        if response.status_code >= 400:
            raise SmsPermanent(
                f"Twilio refused the message ({response.status_code}: {_twilio_error(response)})"
            )
        try:
            return str(response.json()["sid"])
        except (ValueError, KeyError, TypeError) as error:
            # Accepted but unreadable: the message may well be on its way, so it is not sent again.
            raise SmsPermanent(f"Twilio's answer had no message id ({response.status_code})") from error


def _twilio_error(response: requests.Response) -> str:
    """Twilio's error code and message (`{"code": 21211, "message": "..."}`), or the status text."""
    try:
        payload = response.json()
    except ValueError:
        return response.reason or ""
    if not isinstance(payload, dict):
        return response.reason or ""
    return f"{payload.get('code', '')} {payload.get('message', '')}".strip()[:300]


PROVIDERS = {"twilio": TwilioProvider}


def sms_provider() -> SmsProvider | None:
    """The configured provider, or None when text messages are not set up (CXLOOP_SMS_PROVIDER="")."""
    name = settings.CXLOOP_SMS_PROVIDER
    if not name:
        return None
    if name not in PROVIDERS:
        raise ImproperlyConfigured(
            f"Unknown CXLOOP_SMS_PROVIDER {name!r}: choose one of {sorted(PROVIDERS)}."
        )
    return PROVIDERS[name](
        base_url=settings.CXLOOP_SMS_BASE_URL,
        account=settings.CXLOOP_SMS_ACCOUNT,
        token=settings.CXLOOP_SMS_TOKEN,
        sender=settings.CXLOOP_SMS_FROM,
    )
