"""Names for the Django admin's controls that have no <label>, so a screen reader (and axe-core) can say
what each one is: the editable cells of a change list, the fields of a tabular inline's rows (with
their "Delete" box), and the date and time halves of a split date-and-time field.

Mix `NamedControlsAdmin` into a ModelAdmin with list_editable or date-time fields, and give a tabular
inline `formset = NamedInlineFormSet`. Each control gets an aria-label: its column and its row
("Position: Detractors to the care team"), or its field and part ("Retired at: date").
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.forms.models import BaseInlineFormSet, BaseModelFormSet
from django.utils.translation import gettext


def _inner(widget: forms.Widget) -> forms.Widget:
    """The widget itself, out of the admin's wrapper that adds the "+" and pencil links."""
    return getattr(widget, "widget", widget)


def name_controls(form: forms.BaseForm, *, row: str = "") -> None:
    """Give each of the form's controls an aria-label: its field's label, and the row it is on."""
    for field_name, field in form.fields.items():
        label = str(field.label or field_name)
        text = gettext("%(field)s: %(row)s") % {"field": label, "row": row} if row else label
        widget = _inner(field.widget)
        if isinstance(widget, forms.MultiWidget):
            _name_parts(widget, text)
        elif not widget.is_hidden:
            widget.attrs["aria-label"] = text


def _name_parts(widget: forms.MultiWidget, text: str) -> None:
    parts = (gettext("date"), gettext("time")) if isinstance(widget, forms.SplitDateTimeWidget) else ()
    for index, part in enumerate(widget.widgets):
        word = parts[index] if index < len(parts) else str(index + 1)
        part.attrs["aria-label"] = f"{text}: {word}"


def _row_of(form: forms.BaseForm) -> str:
    instance = getattr(form, "instance", None)
    return str(instance) if instance is not None and instance.pk else gettext("new row")


class NamedModelFormSet(BaseModelFormSet):
    """A change list's editable rows, each control named by its column and row."""

    def add_fields(self, form: forms.BaseForm, index: Any) -> None:
        super().add_fields(form, index)
        name_controls(form, row=_row_of(form))


class NamedInlineFormSet(BaseInlineFormSet):
    """A tabular inline's rows, each control (the "Delete" box too) named by its column and row."""

    def add_fields(self, form: forms.BaseForm, index: Any) -> None:
        super().add_fields(form, index)
        name_controls(form, row=_row_of(form))


class NamedControlsAdmin(admin.ModelAdmin):
    """Names the change list's editable cells and the halves of date-and-time fields."""

    def get_changelist_formset(self, request: Any, **kwargs: Any) -> Any:
        return super().get_changelist_formset(request, formset=NamedModelFormSet, **kwargs)

    def formfield_for_dbfield(self, db_field: models.Field, request: Any, **kwargs: Any) -> Any:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        widget = _inner(formfield.widget) if formfield is not None else None
        if formfield is not None and isinstance(widget, forms.MultiWidget):
            _name_parts(widget, str(formfield.label or db_field.name))
        return formfield
