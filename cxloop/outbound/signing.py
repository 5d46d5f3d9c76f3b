"""Standard Webhooks signatures (https://www.standardwebhooks.com/), by the reference library.

The receiver checks `webhook-signature` against HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>"
with the endpoint's secret (the base64 after "whsec_"), and refuses timestamps more than five minutes
off: the id stays the same on every attempt (so receivers can deduplicate), the timestamp is the
attempt's own.
"""

from datetime import datetime

from standardwebhooks import Webhook


def signature_headers(*, secret: str, msg_id: str, timestamp: datetime, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt at sending `body`."""
    signature = Webhook(secret).sign(msg_id, timestamp, body)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature,
    }
