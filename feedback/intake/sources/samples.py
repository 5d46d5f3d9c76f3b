"""Example bodies for a test delivery, shaped like each sender's documented payload (values invented)."""

from django.utils.translation import gettext_lazy as _

SAMPLES: dict[str, dict] = {
    "standard": {
        "type": "survey.response.completed",
        "timestamp": "2026-03-04T12:00:00+00:00",
        "data": {
            "response_id": "R-1001",
            "answers": {"nps": 4},
            "text": "The checkout page kept timing out.",
            "email": "lee@example.test",
        },
    },
    "typeform": {
        "event_id": "01EVENT",
        "event_type": "form_response",
        "form_response": {
            "form_id": "Fm1",
            "token": "tok-1001",
            "submitted_at": "2026-03-02T10:15:00Z",
            "hidden": {"customer_id": "C-100", "email": "ana@example.test", "name": "Ana Lopez"},
            "answers": [
                {"type": "number", "number": 3, "field": {"id": "f2", "type": "nps", "ref": "nps"}},
                {
                    "type": "text",
                    "text": "The delivery was two days late.",
                    "field": {"id": "f3", "type": "long_text", "ref": "why"},
                },
            ],
        },
    },
    "delighted": {
        "event_type": "survey_response.updated",
        "event_id": "evt-1001",
        "event_data": {
            "id": "8001",
            "person": {"id": "77", "email": "sam@example.test", "name": "Sam Roe"},
            "survey_type": "nps",
            "score": 6,
            "comment": "Support answered quickly but did not solve it.",
            "created_at": 1767225660,
            "person_properties": {"Customer ID": "C-200"},
        },
    },
    "zendesk": {
        "satisfaction": {"current_rating": "Bad", "current_comment": "Nobody called me back."},
        "ticket": {"id": "4512", "updated_at": "2026-03-03T08:00:00Z"},
        "requester": {"id": "9001", "external_id": "", "email": "kim@example.test", "name": "Kim Park"},
    },
    "trustpilot": {
        "events": [
            {
                "eventName": "service-review-created",
                "eventData": {
                    "id": "tp-1001",
                    "stars": 2,
                    "title": "Slow refund",
                    "text": "Three weeks and still no refund.",
                    "language": "en",
                    "createdAt": "2026-03-01T09:30:00Z",
                    "consumer": {"id": "cons-1", "name": "Jo"},
                },
            }
        ]
    },
}

SAMPLE_LABELS = {
    "standard": _("Standard Webhooks survey response"),
    "typeform": _("Typeform response"),
    "delighted": _("Delighted survey response"),
    "zendesk": _("Zendesk satisfaction rating"),
    "trustpilot": _("Trustpilot review"),
}
SAMPLE_CHOICES = [("", _("None: use the pasted body")), *((name, SAMPLE_LABELS[name]) for name in SAMPLES)]
