"""The three decisions on a proposed theme, as forms (one set per proposal, prefixed by its id).

The category lists are read once per page (`TaxonomyChoices`) and shared by every proposal's forms,
so a page of twenty proposals costs two queries for them, not forty. Each form carries the version of
the proposal the person looked at (`seen`, services.theme_version) through the confirmation page, so a
decision on a theme the nightly job changed meanwhile is refused, not applied to other comments.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from feedback.models import Category, ThemeProposal

from .selectors import category_choices, category_parents
from .services import NAME_MAX, REASON_MAX, theme_version

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class TaxonomyChoices:
    """The current top-level categories (parents) and every current category (merge targets)."""

    parents: dict[int, Category]
    categories: dict[int, Category]

    @classmethod
    def load(cls) -> "TaxonomyChoices":
        return cls(
            parents={c.pk: c for c in category_parents()}, categories={c.pk: c for c in category_choices()}
        )


class CategoryField(forms.TypedChoiceField):
    """A category among `options`, by its name in the taxonomy ("Parent / Child"), never by a slug."""

    def __init__(self, *, options: dict[int, Category], empty_label: "StrOrPromise", **kwargs):
        choices = [("", empty_label), *((pk, str(category)) for pk, category in options.items())]
        super().__init__(choices=choices, coerce=lambda value: options[int(value)], **kwargs)


class ThemeDecisionForm(forms.Form):
    # Not required: a missing version is refused by the service with its reason, not as a hidden error.
    seen = forms.CharField(widget=forms.HiddenInput, required=False)


class ThemeAcceptForm(ThemeDecisionForm):
    name = forms.CharField(
        label=_("Name of the new category"),
        max_length=NAME_MAX,
        help_text=_("How people will see it in the taxonomy, on dashboards and on cases."),
    )

    def __init__(self, *args, taxonomy: TaxonomyChoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"] = CategoryField(
            label=_("Under"), options=taxonomy.parents, empty_label=_("Choose a top-level category")
        )


class ThemeMergeForm(ThemeDecisionForm):
    def __init__(self, *args, taxonomy: TaxonomyChoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"] = CategoryField(
            label=_("Existing category"), options=taxonomy.categories, empty_label=_("Choose a category")
        )


class ThemeRejectForm(ThemeDecisionForm):
    reason = forms.CharField(
        label=_("Why is it not a theme?"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, taxonomy: TaxonomyChoices, **kwargs):
        super().__init__(*args, **kwargs)


FORMS: dict[str, type[ThemeDecisionForm]] = {
    "accept": ThemeAcceptForm,
    "merge": ThemeMergeForm,
    "reject": ThemeRejectForm,
}


def theme_forms(
    proposal: ThemeProposal, *, taxonomy: TaxonomyChoices, action: str = "", data=None
) -> dict[str, ThemeDecisionForm]:
    """The proposal's three forms, carrying its version as shown; the one for `action` bound to `data`."""
    return {
        name: form_class(  # type: ignore[call-arg]
            data if name == action else None,
            prefix=f"{name}-{proposal.pk}",
            initial={"seen": theme_version(proposal)},
            taxonomy=taxonomy,
        )
        for name, form_class in FORMS.items()
    }
