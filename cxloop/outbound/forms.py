"""The endpoint form: name, address, format, the events it hears and their filters, its owner."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cxloop.org.names import person_name

from .models import Endpoint, EndpointFormat, EventType
from .subscriptions import SCALE_LABELS, filter_choices
from .transport import RefusedAddress, resolve_allowed


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_name(obj)


class EndpointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    url = forms.URLField(
        label=_("Address (URL)"),
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    format = forms.ChoiceField(label=_("Format"), choices=EndpointFormat.choices, widget=forms.RadioSelect)
    event_types = forms.MultipleChoiceField(
        label=_("Events it hears"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )
    case_priorities = forms.MultipleChoiceField(
        label=_("New cases: only these priorities"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "None ticked: every new case for signed webhooks; high and urgent ones for Slack and Teams."
        ),
    )
    max_score = forms.IntegerField(
        label=_("Feedback: only scores up to"),
        required=False,
        min_value=0,
        max_value=10,
        help_text=_("E.g. 6 for NPS detractors. Empty: any score, and feedback without one."),
    )
    scales = forms.MultipleChoiceField(
        label=_("Feedback: only these scales"),
        required=False,
        choices=list(SCALE_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    sources = forms.TypedMultipleChoiceField(
        label=_("Feedback: only from these sources"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    owner = OwnerChoiceField(
        label=_("Owner"),
        required=False,
        queryset=get_user_model().objects.none(),
        empty_label=_("Nobody"),
        help_text=_("Told in the app and by email when the endpoint is disabled for failing."),
    )

    def __init__(self, *args: Any, endpoint: Endpoint | None = None, **kwargs: Any):
        self.endpoint = endpoint
        if endpoint is not None:
            kwargs.setdefault("initial", self.initial_for(endpoint))
        super().__init__(*args, **kwargs)
        self.fields["sources"].choices = filter_choices("sources")  # type: ignore[attr-defined]
        self.fields["case_priorities"].choices = filter_choices("case_priorities")  # type: ignore[attr-defined]
        self.fields["owner"].queryset = (  # type: ignore[attr-defined]
            get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "pk")
        )
        if endpoint is not None:
            self.fields["url"].required = False
            self.fields["url"].help_text = _("Leave empty to keep the current address.")

    @staticmethod
    def initial_for(endpoint: Endpoint) -> dict[str, Any]:
        filters = endpoint.feedback_filter if isinstance(endpoint.feedback_filter, dict) else {}
        return {
            "name": endpoint.name,
            "format": endpoint.format,
            "event_types": endpoint.event_types,
            "owner": endpoint.owner_id,
            **{key: filters.get(key) for key in ("case_priorities", "max_score", "scales", "sources")},
        }

    def clean_url(self) -> str:
        url = self.cleaned_data.get("url") or ""
        if url and not settings.CXLOOP_OUTBOUND_ALLOW_PRIVATE:
            try:
                resolve_allowed(url)
            except RefusedAddress as refused:
                raise forms.ValidationError(
                    _("This address cannot be sent to: %(why)s."), params={"why": refused}
                ) from refused
        return url

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        filters = {
            key: data[key]
            for key in ("case_priorities", "max_score", "scales", "sources")
            if data.get(key) not in (None, [], "")
        }
        return {
            "name": data["name"],
            "url": data["url"],
            "format": data["format"],
            "event_types": list(data["event_types"]),
            "feedback_filter": filters,
            "owner": data["owner"],
        }
