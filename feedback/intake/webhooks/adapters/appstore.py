"""App Store Connect: customer reviews, as the API lists them, pushed by your relay.

App Store Connect's webhook notifications cover events such as app version state changes and
builds, not customer reviews: reviews are read from the App Store Connect API, "List all customer
reviews for an app" (`GET /v1/apps/{id}/customerReviews`). A relay of yours polls it (sorted by
`-createdDate`) and posts each page it reads here, as the API answered it, signed the Standard
Webhooks way with the source's secret (`webhook-id`, for instance the page's first review id
and its cursor; `webhook-timestamp`; `webhook-signature`).

Payload (the API's `CustomerReviewsResponse`): `data`, a list of `customerReviews` resources,
each with `type`, `id` and `attributes`: `rating` (1-5), `title`, `body`, `reviewerNickname`,
`createdDate` (ISO 8601 with an offset) and `territory` (ISO alpha-3); plus `links` and `meta`.

Mapping: each review is one feedback keyed by its id, its rating a CSAT score, its body the
comment; the title and territory are kept in metadata. The nickname is left out (it names a
person, and no customer can be keyed on it). A page sent again is answered with duplicates.

field_mapping options (all optional, as for the standard adapter; the source's keys win):
    {"adapter": "appstore", "defaults": {"touchpoint": "ios-app"}}
"""

from feedback.intake.webhooks.signatures import verify_standard as verify

from .standard import check_config, to_contract

__all__ = ["NAME", "PRESET", "check_config", "to_contract", "verify"]

NAME = "appstore"
PRESET = {
    "items": "$.data[*]",
    "event_type_path": "$.type",
    "event_types": ["customerReviews"],
    "fields": {
        "external_id": "$.id",
        "score": "$.attributes.rating",
        "comment": "$.attributes.body",
        "occurred_at": "$.attributes.createdDate",
        "metadata.title": "$.attributes.title",
        "metadata.territory": "$.attributes.territory",
    },
    "defaults": {"scale": "csat"},
}
