"""Trustpilot: service review webhooks, several events in one delivery.

Payload (Trustpilot Business, Integrations > Developers > Webhooks; the "New service reviews"
example): `{"events": [...]}`, each event with `eventName` (`service-review-created`,
`service-review-updated`, `service-review-deleted`), `version` and `eventData`, the review:
`id`, `stars` (1-5), `title`, `text`, `language`, `createdAt` (ISO 8601, UTC), `referenceId`
(the reference you gave the invitation, e.g. an order number), `isVerified`, `locationId`,
`consumer` (`id`, `name`, `link`) and `tags`. For privacy, Trustpilot leaves the reviewer's email
out, so no customer is recorded; `referenceId` is kept to find the order.

Mapping: each created or updated event is one feedback keyed by the review id (an edited review
updates the row its first event made), its stars a CSAT score. Deleted reviews are ignored: the
feedback stays, as the customer said it.

Trustpilot signs nothing: a subscription is only a URL. Put the source's secret in it,
`https://<host>/hooks/<slug>/?token=<secret>`; a delivery without it, or with another, is refused.

field_mapping options (all optional, as for the standard adapter; the source's keys win):
    {"adapter": "trustpilot",
     "fields": {"metadata.order": "$.eventData.referenceId"},     # add or replace (null removes)
     "event_types": ["service-review-created", "product-review-created"]}
"""

from feedback.intake.webhooks.signatures import verify_url_token as verify

from .standard import check_config, to_contract

__all__ = ["NAME", "PRESET", "check_config", "to_contract", "verify"]

NAME = "trustpilot"
PRESET = {
    "items": "$.events[*]",
    "event_type_path": "$.eventName",
    "event_types": ["service-review-created", "service-review-updated"],
    "fields": {
        "external_id": "$.eventData.id",
        "score": "$.eventData.stars",
        "comment": "$.eventData.text",
        "occurred_at": "$.eventData.createdAt",
        "metadata.title": "$.eventData.title",
        "metadata.language": "$.eventData.language",
        "metadata.reference_id": "$.eventData.referenceId",
        "metadata.trustpilot_consumer_id": "$.eventData.consumer.id",
        "metadata.location_id": "$.eventData.locationId",
        "metadata.verified": "$.eventData.isVerified",
    },
    "defaults": {"scale": "csat"},
}
