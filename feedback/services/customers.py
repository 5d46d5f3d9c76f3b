"""The customers a delivery names: created with what it carries when new; their stored details
changed only by a writer that manages customers, each change audited; warnings for the others."""

from django.utils import timezone

from cxloop.core.bulk import insert_absent
from cxloop.core.models import audit
from feedback.models import Customer
from feedback.permissions import Writer
from feedback.privacy.erased_keys import erased_customer_ids

# Contract keys that describe the customer, not the feedback.
CUSTOMER_FIELDS = ("name", "email", "phone", "segment", "annual_value", "do_not_contact")


def customer_key(data: dict) -> str:
    return data.get("external_id") or f"email:{data['email']}"


def _customer_fields(data: dict) -> dict:
    """The customer fields a delivery carries (empty ones say nothing), with the tier they imply."""
    provided = {key: data[key] for key in CUSTOMER_FIELDS if data.get(key) not in (None, "")}
    if "annual_value" in provided:
        provided["value_tier"] = Customer.tier_for(provided["annual_value"])
    return provided


def customers_resolve(
    *, customers: list[dict], writer: Writer
) -> tuple[dict[str, int], dict[str, list[str]]]:
    """The customers of a batch, created with what they carry when new: (customer key -> id, and
    customer key -> the stored fields this writer asked to change but may not).

    Stored details change only for a writer that manages customers, each change audited by the
    names of the fields it changed; for the others they stay as they were. Several deliveries
    naming the same customer leave each field as the last of them says. A key of an erased customer
    resolves to the erased record, whose details are never stored again. Customers are written in
    key order, so concurrent batches lock them in the same order.
    """
    merged: dict[str, dict] = {}
    for data in customers:
        merged.setdefault(customer_key(data), {}).update(_customer_fields(data))
    # A customer erased before stays erased: their items join the erased record, details unstored.
    erased = erased_customer_ids(keys=sorted(merged))
    keys = sorted(key for key in merged if key not in erased)
    now = timezone.now()
    created = {
        external_id: pk
        for pk, external_id in insert_absent(
            Customer,
            rows=[
                {"external_id": key, "created_at": now, **merged[key], **_since(merged[key], now)}
                for key in keys
            ],
            conflict=("external_id",),
            returning=("id", "external_id"),
        )
    }
    # New customers were created with what the batch says; only the others can differ from it.
    stored = {
        customer.external_id: customer
        for customer in Customer.objects.filter(external_id__in=[key for key in keys if key not in created])
    }
    changes = {
        key: {
            name: value
            for name, value in merged[key].items()
            if name != "value_tier" and getattr(customer, name) != value
        }
        for key, customer in stored.items()
    }
    changes = {key: fields for key, fields in changes.items() if fields}
    if changes and writer.manages_customers:
        _customers_change(customers=[stored[key] for key in sorted(changes)], changes=changes, writer=writer)
        changes = {}
    ids = {**{key: customer.pk for key, customer in stored.items()}, **created, **erased}
    return ids, {key: sorted(fields) for key, fields in changes.items()}


def _customers_change(*, customers: list[Customer], changes: dict[str, dict], writer: Writer) -> None:
    """Apply changed details, locking each customer (in key order) and auditing the fields changed."""
    locked = Customer.objects.select_for_update(no_key=True).filter(pk__in=[c.pk for c in customers])
    for customer in locked.order_by("external_id"):
        fields = changes[customer.external_id]
        for name, value in fields.items():
            setattr(customer, name, value)
        if "annual_value" in fields:
            customer.value_tier = Customer.tier_for(customer.annual_value)
        since = _since(fields, timezone.now())
        for name, value in since.items():
            setattr(customer, name, value)
        customer.save(update_fields=[*fields, *since, "value_tier"])
        audit(
            actor=writer.user,
            verb="customer.updated",
            target=customer,
            by=writer.label,
            # Field names only: the audit log is append-only, so it must never hold a customer's
            # contact details (they could not be erased from it).
            fields=sorted(fields),
        )


def _since(fields: dict, now) -> dict:
    """Do not contact (feedback.contact) dates from when it was set; lifted, it has no date."""
    if "do_not_contact" not in fields:
        return {}
    return {"do_not_contact_since": now if fields["do_not_contact"] else None}


def customer_warnings(*, data: dict, unchanged: dict[str, list[str]]) -> dict:
    """The item's warning when its customer's stored details were left as they were."""
    fields = unchanged.get(customer_key(data["customer"])) if data.get("customer") else None
    if not fields:
        return {}
    return {
        "customer": [
            f"stored details not changed ({', '.join(fields)}): only the customer's source of truth, "
            "or a person who manages customers, changes them."
        ]
    }
