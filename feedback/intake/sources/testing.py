"""A test delivery: a sample payload through the real reading, mapping and validation of a webhook
delivery, with nothing stored.

The same functions as a real delivery (bodies.payload_of, adapters.map_delivery, the contract's
validator and the webhook's write policy), stopping before feedback_ingest_many: no feedback, no
customer, no dead letter, no log row. The signature is not checked: the person pasted the body.
"""

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback.contract import ContractValidator, external_id_of
from feedback.intake.webhooks.adapters import Ignored, Refused, adapter_for, map_delivery
from feedback.intake.webhooks.bodies import BodyError, payload_of
from feedback.models import Category, Feedback, Scale, Source
from feedback.permissions import Writer
from feedback.services.categories import category_suggestions

# The Standard Webhooks id a test delivery carries: a mapping that finds no id of its own uses it.
TEST_DELIVERY_ID = "msg_test_delivery"
CUSTOMER_LABELS = (
    ("external_id", gettext_lazy("Customer id")),
    ("name", gettext_lazy("Customer name")),
    ("email", gettext_lazy("Customer email")),
    ("phone", gettext_lazy("Customer phone")),
    ("segment", gettext_lazy("Customer segment")),
    ("annual_value", gettext_lazy("Customer annual value")),
)


@dataclass
class TestItem:
    """What one item of the sample would become."""

    outcome: str  # "create", "existing", "refused" or "ignored"
    external_id: str | None = None
    values: list[tuple[str, Any]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    reason: str = ""


@dataclass
class TestDelivery:
    error: str = ""
    items: list[TestItem] = field(default_factory=list)

    @property
    def would_store(self) -> int:
        return sum(item.outcome in ("create", "existing") for item in self.items)


def _errors(errors: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Errors by field, nested ones named by their path (customer.email), as (path, message) pairs."""
    if isinstance(errors, dict):
        return [pair for key, value in errors.items() for pair in _errors(value, f"{prefix}{key}.")]
    if isinstance(errors, list | tuple):
        return [pair for value in errors for pair in _errors(value, prefix)]
    return [(prefix.rstrip(".") or "non_field_errors", str(errors))]


def _values(data: dict) -> list[tuple[str, Any]]:
    """The stored fields of a valid item, by their names for people."""
    scale = data.get("scale")
    rows: list[tuple[str, Any]] = [
        (_("Scale"), Scale(scale).label if scale else None),
        (_("Score"), data.get("score")),
        (_("Comment"), data.get("comment") or None),
        (_("When"), data.get("occurred_at")),
        (_("Touchpoint"), getattr(data.get("touchpoint"), "name", None)),
        (_("Journey stage"), getattr(data.get("journey_stage"), "name", None)),
        (_("Team"), getattr(data.get("team"), "name", None)),
    ]
    customer = data.get("customer") or {}
    rows += [(str(label), customer.get(key)) for key, label in CUSTOMER_LABELS if customer.get(key)]
    rows += [
        (_("Metadata: %(key)s") % {"key": key}, value) for key, value in (data.get("metadata") or {}).items()
    ]
    return rows


def _checked(raw: dict, *, source: Source, validator: ContractValidator) -> TestItem:
    """One mapped item through the contract and the webhook's write policy, as ingestion checks it."""
    data, errors = validator.validate(raw)
    external_id = external_id_of(raw)
    if data is None:
        return TestItem("refused", external_id, errors=_errors(errors or {}))
    writer = Writer.for_webhook(source)
    refusals = {
        "source": writer.source_refusal(data["source"]),
        "team": writer.team_refusal(data.get("team")),
    }
    policy = {name: [why] for name, why in refusals.items() if why}
    if policy:
        return TestItem("refused", external_id, errors=_errors(policy))
    known = Feedback.objects.filter(source=source, external_id=data["external_id"]).exists()
    return TestItem("existing" if known else "create", data["external_id"], values=_values(data))


def _with_categories(items: list[TestItem], comments: list[str | None]) -> None:
    """The category the classifier would suggest for each comment (after storing, in the real path)."""
    texts = [text for text in comments if text]
    if not texts:
        return
    suggestions = iter(category_suggestions(texts=texts))
    for item, text in zip(items, comments, strict=True):
        if not text:
            continue
        suggestion = next(suggestions)
        if suggestion is not None:
            name = Category.objects.filter(pk=suggestion.category_id).values_list("name", flat=True).first()
            share = f"{suggestion.confidence:.0%}"
            item.values.append((_("Suggested category"), f"{name} ({share})"))


def webhook_test_delivery(*, source: Source, body: bytes, content_type: str) -> TestDelivery:
    """What a delivery of `body` would store for `source` (its mapping as given, saved or not)."""
    try:
        payload = payload_of(body, content_type)
    except BodyError as exc:
        return TestDelivery(error=str(exc))
    adapter = adapter_for(source)
    if adapter is None:
        return TestDelivery(error=_("The mapping names an adapter this version does not have."))
    mapped = map_delivery(adapter, source=source, payload=payload, headers={"webhook-id": TEST_DELIVERY_ID})
    validator = ContractValidator()
    result = TestDelivery()
    comments: list[str | None] = []
    for outcome in mapped.outcomes:
        if isinstance(outcome, Ignored):
            item = TestItem("ignored", reason=outcome.reason)
        elif isinstance(outcome, Refused):
            item = TestItem("refused", outcome.external_id, errors=_errors(outcome.errors))
        else:
            item = _checked(outcome, source=source, validator=validator)
        result.items.append(item)
        comments.append(outcome.get("comment") if isinstance(outcome, dict) and item.values else None)
    _with_categories(result.items, [text if isinstance(text, str) else None for text in comments])
    return result
