"""The source form: a webhook's mapping as fields (adapter, time zone, defaults, JSON paths), with
whatever else a mapping can say kept in an "advanced" JSON box, and the test-delivery form."""

import json
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.utils.translation import gettext_lazy as _

from cxloop.org.models import Team
from feedback.intake.webhooks import jsonpath
from feedback.intake.webhooks.adapters import ADAPTERS, mapping_problems
from feedback.intake.webhooks.signatures import verify_url_token
from feedback.models import JourneyStage, Scale, Source, Touchpoint

from .samples import SAMPLE_CHOICES

# A secret that travels in a URL (vendors that sign nothing) must not be guessable.
MIN_URL_TOKEN_LENGTH = 24

ADAPTER_LABELS = {
    "standard": _("Standard Webhooks (your own JSON paths)"),
    "typeform": _("Typeform"),
    "delighted": _("Delighted"),
    "zendesk": _("Zendesk"),
    "trustpilot": _("Trustpilot"),
    "appstore": _("App Store reviews"),
    "qualtrics": _("Qualtrics"),
}
# The JSON paths the form offers as fields: (contract key, form field, label).
PATHS = (
    ("external_id", "path_external_id", _("Response id")),
    ("score", "path_score", _("Score")),
    ("comment", "path_comment", _("Comment")),
    ("occurred_at", "path_occurred_at", _("When it was given")),
    ("customer.external_id", "path_customer_id", _("Customer id")),
    ("customer.email", "path_customer_email", _("Customer email")),
    ("customer.name", "path_customer_name", _("Customer name")),
    ("customer.phone", "path_customer_phone", _("Customer phone")),
    ("customer.segment", "path_customer_segment", _("Customer segment")),
)
# The defaults the form offers as dropdowns: (contract key, form field).
DEFAULTS = (
    ("scale", "default_scale"),
    ("touchpoint", "default_touchpoint"),
    ("journey_stage", "default_journey_stage"),
    ("team", "default_team"),
)


def _uses_json_paths(name: str) -> bool:
    return hasattr(ADAPTERS.get(name), "check_config")


def _adapter_choices() -> list[tuple[str, Any]]:
    none = ("", _("None: this source receives no webhooks"))
    return [none, *((name, ADAPTER_LABELS.get(name, name)) for name in sorted(ADAPTERS))]


def _timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_timezones())]


def _line(value: Any) -> str:
    return ", ".join(str(part) for part in value) if isinstance(value, list) else str(value or "")


class SourceForm(forms.Form):
    """A source's name, kind, switches, new secret and webhook mapping."""

    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Source.Kind.choices)
    active = forms.BooleanField(label=_("Active: accepts feedback"), required=False)
    customer_authority = forms.BooleanField(
        label=_("Source of truth for customers"),
        required=False,
        help_text=_("Its deliveries may change stored customers' contact details, segment and value."),
    )
    new_secret = forms.CharField(
        label=_("New signing secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the current one. The current one is kept as the previous secret."),
    )
    adapter = forms.ChoiceField(label=_("Sender"), required=False, choices=_adapter_choices)
    timezone = forms.ChoiceField(
        label=_("Time zone of times sent without one"), choices=_timezone_choices, initial="UTC"
    )
    default_scale = forms.ChoiceField(
        label=_("Scale, when the delivery names none"),
        required=False,
        choices=[("", _("None")), *Scale.choices],
    )
    default_touchpoint = forms.ModelChoiceField(
        label=_("Touchpoint, when the delivery names none"),
        required=False,
        queryset=Touchpoint.objects.order_by("name"),
        to_field_name="slug",
        empty_label=_("None"),
    )
    default_journey_stage = forms.ModelChoiceField(
        label=_("Journey stage, when the delivery names none"),
        required=False,
        queryset=JourneyStage.objects.order_by("position", "name"),
        to_field_name="slug",
        empty_label=_("None"),
    )
    default_team = forms.ModelChoiceField(
        label=_("Team, when the delivery names none"),
        required=False,
        queryset=Team.objects.order_by("name"),
        to_field_name="slug",
        empty_label=_("None"),
    )
    items = forms.CharField(
        label=_("Path to the list of items"),
        required=False,
        max_length=200,
        help_text=_("When one delivery holds several responses, e.g. $.events[*]. Empty: one per delivery."),
    )
    event_types = forms.CharField(
        label=_("Event types to store"),
        required=False,
        max_length=500,
        help_text=_("Comma-separated, * as a wildcard; other events are answered and ignored. Empty: all."),
    )
    advanced = forms.CharField(
        label=_("Advanced mapping (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_(
            "Anything else the mapping can say (parse_json, metadata.<key> paths, the sender's own "
            "options), as a JSON object. The fields above win over the same keys here."
        ),
    )

    def __init__(self, *args: Any, source: Source, **kwargs: Any):
        self.source = source
        kwargs["initial"] = {**self._initial(source), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        for _key, name, label in PATHS:
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"spellcheck": "false"}),
            )
        self.path_fields = [self[name] for _key, name, _label in PATHS]

    @staticmethod
    def _initial(source: Source) -> dict[str, Any]:
        mapping = dict(source.field_mapping) if isinstance(source.field_mapping, dict) else {}
        fields = dict(mapping.pop("fields", None) or {})
        defaults = dict(mapping.pop("defaults", None) or {})
        initial: dict[str, Any] = {
            "name": source.name,
            "kind": source.kind,
            "active": source.active,
            "customer_authority": source.customer_authority,
            "adapter": mapping.pop("adapter", "standard" if fields else ""),
            "timezone": mapping.pop("timezone", "UTC"),
            "items": mapping.pop("items", ""),
            "event_types": _line(mapping.pop("event_types", "")),
        }
        for key, name in DEFAULTS:
            initial[name] = defaults.pop(key, None)
        for key, name, _label in PATHS:
            initial[name] = fields.pop(key, "")
        if fields:
            mapping["fields"] = fields
        if defaults:
            mapping["defaults"] = defaults
        initial["advanced"] = json.dumps(mapping, indent=2, ensure_ascii=False) if mapping else ""
        return initial

    # --- validation --------------------------------------------------------------------------

    def clean_advanced(self) -> dict:
        text = (self.cleaned_data.get("advanced") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("Not valid JSON at line %(line)s, column %(column)s: %(why)s."),
                params={"line": exc.lineno, "column": exc.colno, "why": exc.msg},
            ) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(_("The advanced mapping is a JSON object: {...}."))
        return value

    def _check_paths(self, adapter: str) -> dict[str, str]:
        paths = {key: (self.cleaned_data.get(name) or "").strip() for key, name, _label in PATHS}
        paths = {key: path for key, path in paths.items() if path}
        if paths and not _uses_json_paths(adapter):
            self.add_error(
                None,
                _("Only Standard Webhooks, Trustpilot, App Store and Qualtrics read JSON paths."),
            )
        for key, name, _label in PATHS:
            if key in paths:
                try:
                    jsonpath.field_path(paths[key])
                except ValueError as exc:
                    self.add_error(name, _("%(path)s: %(why)s.") % {"path": paths[key], "why": exc})
        items = (self.cleaned_data.get("items") or "").strip()
        if items:
            try:
                jsonpath.items_path(items)
            except ValueError as exc:
                self.add_error("items", _("%(path)s: %(why)s.") % {"path": items, "why": exc})
        return paths

    def _mapping(self, adapter: str, paths: dict[str, str]) -> dict:
        mapping = dict(self.cleaned_data.get("advanced") or {})
        if not adapter:
            return mapping
        mapping["adapter"] = adapter
        fields = (
            {**(mapping.get("fields") or {}), **paths}
            if isinstance(mapping.get("fields") or {}, dict)
            else paths
        )
        defaults: dict = mapping["defaults"] if isinstance(mapping.get("defaults"), dict) else {}
        for key, name in DEFAULTS:
            value = self.cleaned_data.get(name)
            if value:
                defaults[key] = getattr(value, "slug", value)
        for key, value in (("fields", fields), ("defaults", defaults)):
            if value:
                mapping[key] = value
        zone = self.cleaned_data.get("timezone")
        if zone and zone != "UTC":
            mapping["timezone"] = zone
        if items := (self.cleaned_data.get("items") or "").strip():
            mapping["items"] = items
        if types := [
            part.strip() for part in (self.cleaned_data.get("event_types") or "").split(",") if part.strip()
        ]:
            mapping["event_types"] = types
        return mapping

    def _check_secret(self, adapter: str) -> None:
        secret = self.cleaned_data.get("new_secret") or ""
        if (
            getattr(ADAPTERS.get(adapter), "verify", None) is verify_url_token
            and 0 < len(secret) < MIN_URL_TOKEN_LENGTH
        ):
            self.add_error(
                "new_secret",
                _("This sender's secret travels in the URL (?token=): use at least %(n)s random characters.")
                % {"n": MIN_URL_TOKEN_LENGTH},
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "advanced" not in cleaned:
            return cleaned  # the JSON box's own error says what is wrong
        adapter = cleaned.get("adapter") or ""
        paths = self._check_paths(adapter)
        self._check_secret(adapter)
        if self.errors:
            return cleaned
        mapping = self._mapping(adapter, paths)
        if (
            adapter
            and not _uses_json_paths(adapter)
            and any(key in mapping for key in ("items", "event_types"))
        ):
            self.add_error("items", _("A list of items and event types are read only with JSON paths."))
        for problem in mapping_problems(mapping):
            self.add_error("advanced", problem)
        cleaned["field_mapping"] = mapping
        return cleaned

    def unsaved_source(self) -> Source:
        """The source as the form has it, not saved: what a test delivery maps with."""
        copy = Source.objects.get(pk=self.source.pk)
        copy.field_mapping = self.cleaned_data["field_mapping"]
        copy.customer_authority = self.cleaned_data["customer_authority"]
        return copy


class TestDeliveryForm(forms.Form):
    """A sample body to run through the mapping: pasted, or one of the senders' examples."""

    sample = forms.ChoiceField(label=_("Example"), required=False, choices=SAMPLE_CHOICES)
    body = forms.CharField(
        label=_("Body to test (JSON, or a form body)"),
        required=False,
        max_length=64 * 1024,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )
    content_type = forms.ChoiceField(
        label=_("Sent as"),
        required=False,
        choices=[
            ("application/json", _("JSON")),
            ("application/x-www-form-urlencoded", _("A form (application/x-www-form-urlencoded)")),
        ],
        initial="application/json",
    )

    def clean(self) -> dict[str, Any]:
        from .samples import SAMPLES

        cleaned = super().clean() or {}
        body = (cleaned.get("body") or "").strip()
        cleaned["content_type"] = cleaned.get("content_type") or "application/json"
        if not body and cleaned.get("sample"):
            body = json.dumps(SAMPLES[cleaned["sample"]], indent=2)
            cleaned["content_type"] = "application/json"
        if not body:
            self.add_error("body", _("Paste a body, or choose an example."))
        cleaned["body"] = body
        return cleaned
