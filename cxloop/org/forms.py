from django import forms

from .models import ApiToken


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses it, e.g. “Typeform sync” or “my scripts”.")
    integration = forms.BooleanField(
        required=False, label="For an integration (not tied to you; administrators only)"
    )
    scope = forms.ChoiceField(choices=ApiToken.Scope.choices, initial=ApiToken.Scope.INGEST, required=False)
