"""Filters shared by the filter bars and list APIs."""

import copy

import django_filters
from django import forms
from django.utils.translation import gettext, gettext_lazy
from django_filters.constants import EMPTY_VALUES


class SlugFilter(django_filters.ChoiceFilter):
    """One row of a small reference table (a source, a team...), chosen by its slug.

    Its choices are read as (id, slug, name) in one light query per filter set, not as model
    instances, and the filtering uses the id, so it adds no join: the filter bars of the queue and
    the feedback list sit on pages people reload all day. Set `queryset` (on the instance, to
    narrow it to what a user may see) before the form is built.
    """

    def __init__(self, *args, queryset, translate_names: bool = False, **kwargs):
        self.queryset = queryset
        # For reference rows cxloop ships with names in its catalogue (the kinds of case): shown in
        # the reader's language. Names an organisation typed are shown as typed.
        self.translate_names = translate_names
        super().__init__(*args, **kwargs)

    def __deepcopy__(self, memo):
        # Each filter set gets its own copy: never the choices another request read.
        clone = copy.copy(self)
        clone.extra = copy.deepcopy(self.extra, memo)
        clone.__dict__.pop("_field", None)
        clone.__dict__.pop("_ids", None)
        return clone

    @property
    def field(self):
        if not hasattr(self, "_field"):
            rows = list(self.queryset.values_list("pk", "slug", "name"))
            self._ids = {slug: pk for pk, slug, _ in rows}
            shown = gettext if self.translate_names else str
            self.extra["choices"] = [(slug, shown(name)) for _, slug, name in rows]
        # Built (with those choices) and cached by the first read, as any filter's field is.
        return super().field

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        self.field  # noqa: B018 (reads the ids, when the form has not)
        return qs.filter(**{self.field_name: self._ids[value]})


class _StrictNullBooleanSelect(forms.NullBooleanSelect):
    """Reads true and false (and "unknown", its own "no filter"), and passes on any other value:
    the plain select reads one it does not know as "no filter", and also takes "True", "2", "3".
    "No filter" reads "Any" to people, not Django's "Unknown"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [
            ("unknown", gettext_lazy("Any")),
            ("true", gettext_lazy("Yes")),
            ("false", gettext_lazy("No")),
        ]

    def value_from_datadict(self, data, files, name):
        raw = data.get(name)
        if raw in (None, "", "unknown"):
            return None
        return {"true": True, "false": False}.get(raw, raw)


class _StrictNullBooleanField(forms.NullBooleanField):
    widget = _StrictNullBooleanSelect

    def to_python(self, value):
        if isinstance(value, str):
            raise forms.ValidationError(gettext_lazy("Choose true or false."), code="invalid")
        return super().to_python(value)


class StrictBooleanFilter(django_filters.BooleanFilter):
    """true or false (or left out); anything else is an error naming the filter, not ignored."""

    field_class = _StrictNullBooleanField
