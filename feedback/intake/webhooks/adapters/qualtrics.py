"""Qualtrics: event subscriptions (`surveyengine.completedResponse.<SurveyID>`), posted as a form.

Qualtrics' API reference, Event Subscriptions: the publication URL receives
x-www-form-urlencoded data, not JSON, with `Topic` (e.g.
`<BrandID>.surveyengine.completedResponse.<SurveyID>`) and `MSG`, the event as JSON text. A
completed response's `MSG` holds `Status` ("Complete"), `SurveyID`, `ResponseID`, `BrandID`,
`CompletedDate` as "2026-03-02 10:15:00", with no UTC offset (hence the source's `timezone`), and
may hold `RecipientID` and `DistributionID`. With a `sharedKey` on the subscription (the source's
secret), the form also carries `HMAC`, checked in signatures.verify_qualtrics; unsigned
deliveries are refused.

The event names the response but does not carry its answers: on its own it maps to an id and a
time with neither a score nor a comment, which is refused (422) and kept as a dead letter with
that reason, never stored as empty feedback. Where your deliveries do carry answers (a relay of
yours that reads the response by `ResponseID` from Qualtrics' API, adds its values to `MSG` and
signs the form the same way), name their paths:
    {"adapter": "qualtrics", "timezone": "Europe/Berlin",
     "fields": {"score": "$.MSG.NPS", "comment": "$.MSG.Comment"}, "defaults": {"scale": "nps"}}
"""

from feedback.intake.webhooks.signatures import verify_qualtrics as verify

from .standard import check_config, to_contract

__all__ = ["NAME", "PRESET", "check_config", "to_contract", "verify"]

NAME = "qualtrics"
PRESET = {
    "parse_json": ["$.MSG"],
    "event_type_path": "$.Topic",
    "event_types": ["*surveyengine.completedResponse.*"],
    "fields": {
        "external_id": "$.MSG.ResponseID",
        "occurred_at": "$.MSG.CompletedDate",
        "metadata.survey_id": "$.MSG.SurveyID",
        "metadata.status": "$.MSG.Status",
        "metadata.distribution_id": "$.MSG.DistributionID",
    },
}
