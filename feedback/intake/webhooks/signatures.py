"""How each vendor signs its webhooks, checked against every secret a source holds.

A source keeps two secrets (`signing_secret` and `previous_signing_secret`) so a secret can be
rotated without dropping deliveries: a signature made with either one verifies. A source with
no secret at all refuses every delivery: unsigned webhooks are never accepted. Every comparison
is constant-time (`hmac.compare_digest`), and schemes that sign a timestamp reject deliveries
more than five minutes away from our clock, in either direction, so a captured delivery cannot
be replayed later.

Every check takes the delivery as it came (`Signed`: the raw body, the headers, the query
parameters, which only the URL-token check for vendors that sign nothing reads, and our clock)
and the source's secrets. Each raises `SignatureError` with a reason for the log; the caller
answers 401.
"""

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .bodies import BodyError, form_fields

TOLERANCE = timedelta(minutes=5)
# The query parameter that carries a source's secret for vendors that sign nothing (Trustpilot).
TOKEN_PARAMETER = "token"  # noqa: S105 (the name of a parameter, not a secret)


@dataclass(frozen=True)
class Signed:
    """A delivery as its signature is checked: the raw body, headers and query, and our clock."""

    body: bytes
    headers: Mapping[str, str]
    query: Mapping[str, str]
    now: datetime


class SignatureError(Exception):
    """The delivery is not signed by a secret this source holds, or the signature is stale."""


def _hmac_sha256(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


def _require(secrets: Sequence[str]) -> list[str]:
    usable = [secret for secret in secrets if secret]
    if not usable:
        raise SignatureError("no signing secret is configured for this source")
    return usable


def _header(headers: Mapping[str, str], name: str) -> str:
    value = (headers.get(name) or "").strip()
    if not value:
        raise SignatureError(f"missing {name} header")
    return value


def unix_time(value: str, *, header: str) -> datetime:
    """Unix seconds as an aware datetime; a value no calendar can hold is a bad signature, not a crash."""
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise SignatureError(f"{header} is not a usable Unix time") from exc


def check_timestamp(sent: datetime, *, now: datetime, tolerance: timedelta = TOLERANCE) -> None:
    """Refuse a signed timestamp too far in the past (a replay) or in the future (a forged clock)."""
    if abs(now - sent) > tolerance:
        raise SignatureError(f"timestamp {sent.isoformat()} is outside the {tolerance} tolerance")


def verify_typeform(delivery: Signed, secrets: Sequence[str]) -> None:
    """`Typeform-Signature: sha256=<base64 HMAC-SHA256 of the raw body>`.

    https://www.typeform.com/developers/webhooks/secure-your-webhooks/
    """
    usable = _require(secrets)
    given = _header(delivery.headers, "Typeform-Signature")
    for secret in usable:
        expected = "sha256=" + base64.b64encode(_hmac_sha256(secret.encode(), delivery.body)).decode()
        if _same(expected, given):
            return
    raise SignatureError("Typeform-Signature does not match")


def verify_delighted(delivery: Signed, secrets: Sequence[str]) -> None:
    """`X-Delighted-Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed by the API key>`.

    https://app.delighted.com/docs/api/webhooks documents an HMAC SHA-256 digest of the request
    body made with the account's private API key. The `sha256=` prefix and the hex encoding are
    what working clients parse; a bare hex digest is accepted too. The scheme carries no
    timestamp, so a replay within any window is answered by the ingest service as a duplicate.
    """
    usable = _require(secrets)
    given = _header(delivery.headers, "X-Delighted-Webhook-Signature").lower().removeprefix("sha256=")
    for secret in usable:
        if _same(_hmac_sha256(secret.encode(), delivery.body).hex(), given):
            return
    raise SignatureError("X-Delighted-Webhook-Signature does not match")


def _zendesk_time(value: str) -> datetime:
    try:
        if value.isdigit():
            return unix_time(value, header="X-Zendesk-Webhook-Signature-Timestamp")
        sent = datetime.fromisoformat(value)
    except (ValueError, OverflowError) as exc:
        raise SignatureError("X-Zendesk-Webhook-Signature-Timestamp is not a timestamp") from exc
    if sent.tzinfo is None:
        raise SignatureError("X-Zendesk-Webhook-Signature-Timestamp has no UTC offset")
    return sent


def verify_zendesk(delivery: Signed, secrets: Sequence[str]) -> None:
    """`X-Zendesk-Webhook-Signature: base64(HMAC-SHA256(secret, timestamp + body))`.

    The timestamp is the `X-Zendesk-Webhook-Signature-Timestamp` header as sent (ISO 8601,
    e.g. 2021-03-25T05:09:27Z), prepended to the raw body with no separator.
    https://developer.zendesk.com/documentation/webhooks/verifying/
    """
    usable = _require(secrets)
    given = _header(delivery.headers, "X-Zendesk-Webhook-Signature")
    timestamp = _header(delivery.headers, "X-Zendesk-Webhook-Signature-Timestamp")
    message = timestamp.encode() + delivery.body
    for secret in usable:
        expected = base64.b64encode(_hmac_sha256(secret.encode(), message)).decode()
        if _same(expected, given):
            check_timestamp(_zendesk_time(timestamp), now=delivery.now)
            return
    raise SignatureError("X-Zendesk-Webhook-Signature does not match")


def standard_key(secret: str) -> bytes | None:
    """The HMAC key of a Standard Webhooks secret (`whsec_<base64>`), or None when it is not base64."""
    encoded = secret.strip().removeprefix("whsec_")
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    return key or None


def verify_standard(delivery: Signed, secrets: Sequence[str]) -> None:
    """Standard Webhooks: `webhook-signature` lists `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.

    The key is the base64 after `whsec_`; `webhook-timestamp` is Unix seconds, within five
    minutes of now either way. Other signature versions (v1a, asymmetric) are skipped.
    https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
    """
    usable = _require(secrets)
    msg_id = _header(delivery.headers, "webhook-id")
    timestamp = _header(delivery.headers, "webhook-timestamp")
    signatures = _header(delivery.headers, "webhook-signature")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureError("webhook-timestamp is not Unix seconds")
    keys = [key for key in (standard_key(secret) for secret in usable) if key]
    if not keys:
        raise SignatureError("the signing secret is not a Standard Webhooks secret (whsec_<base64>)")
    message = f"{msg_id}.{timestamp}.".encode() + delivery.body
    expected = [base64.b64encode(_hmac_sha256(key, message)).decode() for key in keys]
    for entry in signatures.split():
        version, _, signature = entry.partition(",")
        if version != "v1":
            continue
        if any(_same(candidate, signature) for candidate in expected):
            check_timestamp(unix_time(timestamp, header="webhook-timestamp"), now=delivery.now)
            return
    raise SignatureError("webhook-signature does not match")


def verify_qualtrics(delivery: Signed, secrets: Sequence[str]) -> None:
    """A Qualtrics event subscription's form field `HMAC`: hex HMAC-SHA512 of the `MSG` field's value.

    An event subscription created with a `sharedKey` (the source's secret here) posts a form with
    `Topic`, `MSG` (the event, as JSON text) and `HMAC`, keyed by that shared key over `MSG` alone,
    so `Topic` is not covered: the mapping reads what it stores from `MSG`. There is no timestamp:
    a replay is answered by the ingest service as a duplicate. Qualtrics' API reference, Event
    Subscriptions, "Create Subscription", documents `publicationUrl`, `topics`, `encrypt` and
    `sharedKey` (and that the URL receives x-www-form-urlencoded data, not JSON); the field name
    and the SHA-512 hex digest are those public integrations verify (SAP's Kyma Qualtrics gateway).
    """
    usable = _require(secrets)
    try:
        form = form_fields(delivery.body)
    except BodyError as exc:
        raise SignatureError("the body is not a form with an HMAC field") from exc
    given, message = form.get("HMAC"), form.get("MSG")
    if not isinstance(given, str) or not given.strip():
        raise SignatureError("missing HMAC form field")
    if not isinstance(message, str):
        raise SignatureError("missing MSG form field")
    for secret in usable:
        expected = hmac.new(secret.encode(), message.encode(), hashlib.sha512).hexdigest()
        if _same(expected, given.strip().lower()):
            return
    raise SignatureError("HMAC does not match")


def verify_url_token(delivery: Signed, secrets: Sequence[str]) -> None:
    """For a vendor that signs nothing: the source's secret in the URL, `/hooks/<slug>/?token=<secret>`.

    The vendor only lets you set the URL it posts to, so the secret travels in it (over TLS; keep it
    out of access logs). It authenticates the sender but not the body; a replay is a duplicate.
    """
    usable = _require(secrets)
    given = (delivery.query.get(TOKEN_PARAMETER) or "").strip()
    if not given:
        raise SignatureError(f"missing ?{TOKEN_PARAMETER}= in the URL")
    if not any(_same(secret, given) for secret in usable):
        raise SignatureError(f"?{TOKEN_PARAMETER}= does not match")
