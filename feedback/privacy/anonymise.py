"""Anonymising stored feedback and customers: the steps erasure and retention share.

A comment is emptied with the metadata kept beside it (vendors put names and order numbers there);
the full-text vector is a generated column and empties with it. Score, scale, dates, source, team,
touchpoint, journey stage and categories stay: they are what the rollups count, and an UPDATE that
leaves them as they were leaves every rollup cell as it was.
"""

import secrets

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q

from feedback.models import CategoryModel, Customer, Feedback

from .erased_keys import erased_keys_record
from .registry import Counts

ERASED_PREFIX = "erased-"


def comments_anonymise(*, feedback_ids, now) -> int:
    """Empty the comments and metadata of these items, marking them; returns how many changed.

    Rows already marked are left alone (a second run changes nothing); an item that never had a
    comment is marked too, so retention does not look at it again.
    """
    return Feedback.objects.filter(pk__in=feedback_ids, comment_anonymised_at__isnull=True).update(
        comment="", metadata={}, comment_anonymised_at=now
    )


def classifier_forget(*, feedback_ids) -> int:
    """Drop the trained classifiers when one of these items was coded, and retrain after commit.

    A trained model keeps the words it learned from (its vocabulary): one trained on an erased
    comment would keep the customer's words. The keyword fallback suggests until the new one is ready.
    """
    from feedback.tasks import category_model_train

    coded = Feedback.objects.filter(pk__in=feedback_ids).filter(
        Q(confirmed_category__isnull=False) | Q(cases__root_cause__isnull=False)
    )
    if not coded.exists():
        return 0
    deleted, _ = CategoryModel.objects.all().delete()
    if deleted:
        transaction.on_commit(category_model_train.delay)
    return deleted


def customer_anonymise(*, customer: Customer, now) -> Counts:
    """Contact details emptied, the external id replaced by a token nobody can trace back; segment,
    value and tier kept (metrics group by them). Already erased: nothing changes."""
    if customer.erased_at is not None:
        return {"feedback.customers": 0, "feedback.admin_log": 0}
    erased_keys_record(customer=customer)
    customer.name = customer.email = customer.phone = ""
    customer.external_id = f"{ERASED_PREFIX}{secrets.token_hex(12)}"
    customer.erased_at = now
    # Nothing may be sent to them any more: with no address left this is belt and braces, and the
    # case page says so.
    if not customer.do_not_contact:
        customer.do_not_contact, customer.do_not_contact_since = True, now
    customer.save(
        update_fields=[
            "name",
            "email",
            "phone",
            "external_id",
            "erased_at",
            "do_not_contact",
            "do_not_contact_since",
        ]
    )
    # The admin's history names the object by its str(), the customer's name.
    logged = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Customer), object_id=str(customer.pk)
    ).update(object_repr=f"Customer {customer.pk} (erased)")
    return {"feedback.customers": 1, "feedback.admin_log": logged}
