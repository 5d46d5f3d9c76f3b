"""A person's saved views of the case queue: reads, writes and the form that names one.

A saved view is only ever its owner's: every read filters by owner, and another person's view is a
404, never a 403 that would confirm it exists. What it stores is the queue's query string reduced
to the queue's own parameters (innerloop.queue_nav.clean_query); opening one is opening the queue
with that query, which the queue's filter validates on every use, as it does a typed URL. A query
naming a team the person cannot see is a form error there, not a wider queue.
"""

import unicodedata

from django import forms
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxloop.core.exceptions import ApplicationError
from cxloop.core.models import audit

from .models import SavedView
from .queue_nav import clean_query

# More would be a second queue page of links.
MAX_VIEWS_PER_PERSON = 20


class SavedViewNameForm(forms.Form):
    """The name of a saved view: one line, 1 to 60 characters, not a name the person already uses."""

    name = forms.CharField(
        label=gettext_lazy("Name of the view"),
        max_length=60,
        error_messages={
            "required": gettext_lazy("Give the view a name."),
            "max_length": gettext_lazy(
                "Keep the name to %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if any(unicodedata.category(char).startswith("C") for char in name):
            raise forms.ValidationError(_("Use letters, digits and punctuation only."), code="invalid")
        if not name:
            raise forms.ValidationError(_("Give the view a name."), code="required")
        return name


# --- Reads -------------------------------------------------------------------------------------------


def saved_views_of(*, user) -> QuerySet[SavedView]:
    """The person's own saved views, by name."""
    return SavedView.objects.filter(owner=user).order_by("name")


def saved_view_get(*, user, view_id: int) -> SavedView:
    """One of the person's views; anyone else's is a 404."""
    return get_object_or_404(SavedView, pk=view_id, owner=user)


# --- Writes ------------------------------------------------------------------------------------------


def _name_taken() -> ApplicationError:
    return ApplicationError(_("You already have a view with this name."), {"name": ["taken"]})


@transaction.atomic
def saved_view_create(*, owner, name: str, query: str) -> SavedView:
    """Save the queue's current filters and sort under a name of the person's choosing."""
    if SavedView.objects.filter(owner=owner).count() >= MAX_VIEWS_PER_PERSON:
        raise ApplicationError(
            _("You have %(count)d saved views already: delete one first.") % {"count": MAX_VIEWS_PER_PERSON},
            {"name": ["too many"]},
        )
    view = SavedView(owner=owner, name=name, query=clean_query(query, keep_page=False))
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError as error:
        raise _name_taken() from error
    # The name is the person's own words: the audit row keeps the id only.
    audit(actor=owner, verb="saved_view.created", target=view)
    return view


@transaction.atomic
def saved_view_rename(*, view: SavedView, name: str, actor) -> SavedView:
    """Give one of the actor's views another name."""
    if view.owner_id != actor.pk:
        raise ApplicationError(_("This is not your view."), {"view": ["not yours"]})
    if SavedView.objects.filter(owner=actor, name=name).exclude(pk=view.pk).exists():
        raise _name_taken()
    view.name = name
    view.save(update_fields=["name"])
    audit(actor=actor, verb="saved_view.renamed", target=view)
    return view


@transaction.atomic
def saved_view_delete(*, view: SavedView, actor) -> None:
    """Delete one of the actor's views."""
    if view.owner_id != actor.pk:
        raise ApplicationError(_("This is not your view."), {"view": ["not yours"]})
    audit(actor=actor, verb="saved_view.deleted", target=view)
    view.delete()
