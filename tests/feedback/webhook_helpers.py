"""Signing webhook deliveries the way each vendor does, written independently of the code under test."""

import base64
import hashlib
import hmac
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

SHARED_DATA = Path(
    os.environ.get("CXLOOP_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data")
)
DELIGHTED_SAMPLE = SHARED_DATA / "webhook_payloads" / "delighted_survey_response_updated.json"

# A Standard Webhooks secret: whsec_ followed by a base64 key.
STANDARD_KEY = b"a-32-byte-key-for-tests-only-000"
STANDARD_SECRET = "whsec_" + base64.b64encode(STANDARD_KEY).decode()
OTHER_STANDARD_SECRET = "whsec_" + base64.b64encode(b"another-key-for-tests-only-00000").decode()


def _mac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def body_of(payload) -> bytes:
    return json.dumps(payload).encode()


def typeform_headers(body: bytes, secret: str) -> dict:
    return {"Typeform-Signature": "sha256=" + base64.b64encode(_mac(secret.encode(), body)).decode()}


def delighted_headers(body: bytes, secret: str) -> dict:
    return {"X-Delighted-Webhook-Signature": "sha256=" + _mac(secret.encode(), body).hex()}


def zendesk_headers(body: bytes, secret: str, at: datetime | None = None) -> dict:
    timestamp = (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = base64.b64encode(_mac(secret.encode(), timestamp.encode() + body)).decode()
    return {"X-Zendesk-Webhook-Signature": signature, "X-Zendesk-Webhook-Signature-Timestamp": timestamp}


def standard_headers(body: bytes, secret: str, at: datetime | None = None, msg_id: str = "msg_1") -> dict:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    timestamp = str(int((at or datetime.now(UTC)).timestamp()))
    signature = base64.b64encode(_mac(key, f"{msg_id}.{timestamp}.".encode() + body)).decode()
    return {"webhook-id": msg_id, "webhook-timestamp": timestamp, "webhook-signature": f"v1,{signature}"}


SIGNERS = {
    "typeform": typeform_headers,
    "delighted": delighted_headers,
    "zendesk": zendesk_headers,
    "standard": standard_headers,
}


def typeform_payload(response_id: str = "tok-1", **response) -> dict:
    """A form_response shaped like Typeform's documented example payload (values are ours)."""
    return {
        "event_id": "01EVENT",
        "event_type": "form_response",
        "form_response": {
            "form_id": "Fm1",
            "token": response_id,
            "submitted_at": "2026-03-02T10:15:00Z",
            "landed_at": "2026-03-02T10:13:00Z",
            "hidden": {"customer_id": "C-100", "email": "Ana@Example.test", "name": "Ana Lopez"},
            "answers": [
                {
                    "type": "text",
                    "text": "Ana",
                    "field": {"id": "f1", "type": "short_text", "ref": "first_name"},
                },
                {"type": "number", "number": 3, "field": {"id": "f2", "type": "nps", "ref": "nps"}},
                {
                    "type": "text",
                    "text": "The delivery was two days late.",
                    "field": {"id": "f3", "type": "long_text", "ref": "why"},
                },
            ],
            **response,
        },
    }


def delighted_payload(event_type: str = "survey_response.created", **response) -> dict:
    """A survey response event shaped like Delighted's documented webhook (values are ours)."""
    return {
        "event_type": event_type,
        "event_id": "evt-" + event_type,
        "event_data": {
            "id": "8001",
            "person": {"id": "77", "email": "sam@example.test", "name": "Sam Roe", "created_at": 1767225600},
            "survey_type": "nps",
            "score": 6,
            "comment": None,
            "permalink": "https://delighted.example/r/8001",
            "created_at": 1767225660,
            "updated_at": 1767225660,
            "person_properties": {"Customer ID": "C-200"},
            "notes": [],
            "tags": [],
            "additional_answers": [],
            **response,
        },
    }


def zendesk_payload(
    rating: str = "Bad", comment: str = "Nobody called me back.", ticket_id: str = "4512"
) -> dict:
    """The body a Zendesk trigger sends with the placeholder template in the adapter's docstring."""
    return {
        "satisfaction": {"current_rating": rating, "current_comment": comment},
        "ticket": {"id": ticket_id, "updated_at": "2026-03-03T08:00:00Z"},
        "requester": {"id": "9001", "external_id": "", "email": "kim@example.test", "name": "Kim Park"},
    }


def standard_payload(**data) -> dict:
    return {
        "type": "survey.response.completed",
        "timestamp": "2026-03-04T12:00:00+00:00",
        "data": {
            "response_id": "R-1",
            "answers": {"nps": 10},
            "text": "Setup took five minutes.",
            "email": "lee@example.test",
            "questions": [{"id": "q1", "value": "Onboarding"}],
            **data,
        },
    }


STANDARD_MAPPING = {
    "adapter": "standard",
    "fields": {
        "external_id": "$.data.response_id",
        "score": "$.data.answers.nps",
        "comment": "$.data.text",
        "occurred_at": "$.timestamp",
        "customer.email": "$.data.email",
        "metadata.topic": "$.data.questions[0].value",
    },
    "defaults": {"scale": "nps"},
}


# --- Trustpilot, App Store Connect and Qualtrics, written from each vendor's documented shape ----

TRUSTPILOT_TOKEN = "tp-token-for-tests-only-0123456789"


def trustpilot_event(
    review_id: str, stars: int | None, text: str | None, event: str = "service-review-created", **review
) -> dict:
    """One event of a Trustpilot service review webhook (field names as documented, values ours)."""
    return {
        "eventName": event,
        "version": "1",
        "eventData": {
            "id": review_id,
            "language": "en",
            "title": "Parcel",
            "text": text,
            "referenceId": f"order-{review_id}",
            "stars": stars,
            "createdAt": "2026-03-01T08:30:00.000Z",
            "isVerified": True,
            "locationId": "loc-1",
            "consumer": {
                "id": f"consumer-{review_id}",
                "name": "A Reviewer",
                "link": "https://tp.example/c/1",
            },
            "tags": [],
            **review,
        },
    }


def trustpilot_payload(*events: dict) -> dict:
    return {"events": list(events)}


def appstore_review(review_id: str, rating: int | None, body: str | None, **attributes) -> dict:
    """One `customerReviews` resource as App Store Connect's API lists it (values ours)."""
    return {
        "type": "customerReviews",
        "id": review_id,
        "attributes": {
            "rating": rating,
            "title": "Checkout",
            "body": body,
            "reviewerNickname": "nick",
            "createdDate": "2026-02-27T18:05:00-08:00",
            "territory": "GBR",
            **attributes,
        },
        "relationships": {"response": {"links": {"self": "https://asc.example/r"}}},
    }


def appstore_page(*reviews: dict) -> dict:
    """A page of `GET /v1/apps/{id}/customerReviews`, as a relay posts it."""
    return {
        "data": list(reviews),
        "links": {"self": "https://asc.example/v1/apps/1/customerReviews"},
        "meta": {"paging": {"total": len(reviews), "limit": 50}},
    }


QUALTRICS_KEY = "qualtrics-shared-key-for-tests"


def qualtrics_msg(response_id: str = "R_1abcDEF", **extra) -> dict:
    """A completed response's MSG: ids and a completion time without a UTC offset (values ours)."""
    return {
        "Status": "Complete",
        "SurveyID": "SV_9xyz",
        "ResponseID": response_id,
        "CompletedDate": "2026-03-02 10:15:00",
        "BrandID": "acme",
        **extra,
    }


def qualtrics_form(
    msg: dict, secret: str | None = QUALTRICS_KEY, topic: str = "acme.surveyengine.completedResponse.SV_9xyz"
) -> bytes:
    """The form an event subscription posts: Topic, MSG (JSON text) and, with a shared key, HMAC."""
    text = json.dumps(msg)
    fields = {"Topic": topic, "MSG": text}
    if secret is not None:
        fields["HMAC"] = hmac.new(secret.encode(), text.encode(), hashlib.sha512).hexdigest()
    return urlencode(fields).encode()
