"""People coding feedback against the one shared taxonomy."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from cxloop.core.exceptions import ApplicationError
from cxloop.core.models import audit
from feedback.models import Category, Feedback


@transaction.atomic
def feedback_categorize(*, feedback: Feedback, category: Category, actor) -> Feedback:
    """Confirm or change the item's category; the confirmed one wins over any suggestion."""
    if category.retired_at is not None:
        raise ApplicationError(
            _("“%(category)s” is retired; choose a current category.") % {"category": category},
            {"category": ["retired"]},
        )
    feedback = Feedback.objects.select_for_update(no_key=True).get(pk=feedback.pk)
    previous = feedback.confirmed_category_id
    if previous == category.pk:
        return feedback
    feedback.confirmed_category = category
    feedback.save(update_fields=["confirmed_category", "updated_at"])
    audit(
        actor=actor, verb="feedback.categorized", target=feedback, category=category.slug, previous=previous
    )
    return feedback
