"""The erasure request form: one customer by external id, or every customer with one email address."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ErasureForm(forms.Form):
    external_id = forms.CharField(label=_("Customer's external id"), max_length=200, required=False)
    email = forms.EmailField(label=_("or their email address"), max_length=254, required=False)

    def clean(self):
        cleaned = super().clean() or {}
        external_id, email = cleaned.get("external_id", "").strip(), cleaned.get("email", "")
        if self.errors:
            return cleaned
        if not external_id and not email:
            raise forms.ValidationError(_("Give the customer's external id or their email address."))
        if external_id and email:
            raise forms.ValidationError(_("Give the external id or the email address, not both."))
        cleaned["external_id"] = external_id
        return cleaned
