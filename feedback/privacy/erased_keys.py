"""Erased customers stay erased: a delivery naming one again does not bring their details back.

Kept as keyed digests (feedback.models.ErasedCustomerKey): what ingestion can compare a customer key
with, and nobody can read an identifier out of. Rotating SECRET_KEY makes old digests match nothing.
"""

import hashlib
import hmac

from django.conf import settings

from feedback.models import Customer, ErasedCustomerKey


def key_digest(key: str) -> str:
    """The digest of a customer key (an external id, or "email:<address>"), case-insensitive."""
    message = key.strip().lower().encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def erased_keys_record(*, customer: Customer) -> int:
    """Remember the keys of a customer about to be erased (their external id and email)."""
    keys = {customer.external_id, f"email:{customer.email}" if customer.email else ""} - {""}
    rows = [ErasedCustomerKey(digest=key_digest(key), customer=customer) for key in sorted(keys)]
    return len(ErasedCustomerKey.objects.bulk_create(rows, ignore_conflicts=True))


def erased_customer_ids(*, keys: list[str]) -> dict[str, int]:
    """Customer key -> id of the erased customer it names, for the keys that name one."""
    digests = {key_digest(key): key for key in keys}
    found = ErasedCustomerKey.objects.filter(digest__in=list(digests)).values_list("digest", "customer_id")
    return {digests[digest]: customer_id for digest, customer_id in found}
