"""The explorer's form: a person confirms or corrects an item's category."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Category


class CategoryChoiceForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(retired_at__isnull=True)
        .select_related("parent")
        .order_by("parent__name", "name"),
        to_field_name="slug",
        label=_("Category"),
    )
