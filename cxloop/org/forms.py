from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator

from .models import ApiToken


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses it, e.g. “Typeform sync” or “my scripts”.")
    integration = forms.BooleanField(
        required=False, label="For an integration (not tied to you; administrators only)"
    )
    scopes = forms.MultipleChoiceField(
        choices=ApiToken.Scope.choices,
        initial=[ApiToken.Scope.READ],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="What the token may do. An integration token only sends feedback.",
    )
    expires_in_days = forms.IntegerField(min_value=1, required=False, label="Expires after (days)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        longest = settings.CXLOOP_API_TOKEN_DAYS
        field = self.fields["expires_in_days"]
        field.initial = longest
        field.validators.append(MaxValueValidator(longest))
        field.widget.attrs.update(max=longest, min=1)
        field.help_text = f"At most {longest} days; {longest} when left empty."

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("integration") and "scopes" in data and not data["scopes"]:
            self.add_error("scopes", "Pick at least one scope.")
        return data


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        required=True, error_messages={"required": "Tick the box to confirm."}, label="Yes, I am sure"
    )


class DeactivateForm(ConfirmForm):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded in the audit log, e.g. “left the company”.",
    )
