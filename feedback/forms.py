"""The explorer's form: a person confirms or corrects an item's category."""

from django import forms

from .models import Category


class CategoryChoiceForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(retired_at__isnull=True)
        .select_related("parent")
        .order_by("parent__name", "name"),
        to_field_name="slug",
        label="Category",
    )
