"""Administration of the intake channels: sources (a webhook's secret and mapping) and webhook
dead letters (read-only, retried through the source's current mapping). Registered through
feedback/admin.py, the module Django's admin discovers."""

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html

from cxloop.core.auditlog.model_admin import AuditedAdmin
from cxloop.core.pii import can_see_personal_data, mask_personal_data
from feedback.intake.webhooks.adapters import ADAPTERS, mapping_problems
from feedback.intake.webhooks.bodies import BodyError, payload_of
from feedback.intake.webhooks.services import dead_letters_retry
from feedback.intake.webhooks.signatures import verify_url_token
from feedback.models import Source, WebhookDeadLetter

# A secret that travels in a URL (vendors that sign nothing) must not be guessable.
MIN_URL_TOKEN_LENGTH = 24


class SourceForm(forms.ModelForm):
    class Meta:
        model = Source
        fields = [
            "slug",
            "name",
            "kind",
            "active",
            "signing_secret",
            "previous_signing_secret",
            "field_mapping",
        ]
        widgets = {
            "signing_secret": forms.PasswordInput(render_value=True),
            "previous_signing_secret": forms.PasswordInput(render_value=True),
        }
        help_texts = {
            "previous_signing_secret": "Keep the old secret here while the sender switches to the new one.",
            "field_mapping": 'e.g. {"adapter": "trustpilot", "defaults": {"touchpoint": "website"}}; '
            "see the README, Webhooks.",
        }

    def clean_field_mapping(self):
        mapping = self.cleaned_data["field_mapping"] or {}
        if problems := mapping_problems(mapping):
            raise forms.ValidationError(problems)
        return mapping

    def clean(self) -> dict[str, Any]:
        super().clean()  # a ModelForm's returns its cleaned_data
        cleaned = self.cleaned_data
        adapter = ADAPTERS.get((cleaned.get("field_mapping") or {}).get("adapter") or "standard")
        if getattr(adapter, "verify", None) is verify_url_token:
            for name in ("signing_secret", "previous_signing_secret"):
                if 0 < len(cleaned.get(name) or "") < MIN_URL_TOKEN_LENGTH:
                    self.add_error(
                        name,
                        f"This adapter's secret travels in the URL (?token=): use at least "
                        f"{MIN_URL_TOKEN_LENGTH} random characters.",
                    )
        return cleaned


@admin.register(Source)
class SourceAdmin(AuditedAdmin):
    audit_noun = "source"
    form = SourceForm
    list_display = ("name", "slug", "kind", "active", "webhook_url")
    list_filter = ("kind", "active")
    prepopulated_fields = {"slug": ("name",)}

    @admin.display(description="Webhook URL")
    def webhook_url(self, source: Source) -> str:
        return f"/hooks/{source.slug}/"


def _readable(letter: WebhookDeadLetter) -> str:
    """The body as its mapping reads it (a form as its fields), indented; as text when cut or broken."""
    body = bytes(letter.body)
    if not letter.body_truncated:
        try:
            return json.dumps(payload_of(body, letter.content_type), indent=2, ensure_ascii=False)
        except BodyError:
            pass
    return body.decode("utf-8", errors="replace")


def _pre(text: str, *, masked: bool = False) -> str:
    return format_html("<pre>{}</pre>", mask_personal_data(text) if masked else text)


@admin.register(WebhookDeadLetter)
class WebhookDeadLetterAdmin(admin.ModelAdmin):
    """Deliveries not stored as feedback: read-only, masked for staff without the personal-data
    permission, and retried (after fixing the source's mapping) with the "Retry" action."""

    list_display = (
        "received_at",
        "source",
        "status",
        "reason",
        "deliveries",
        "signature",
        "body_size",
        "retries",
    )
    list_filter = ("status", "source", "received_at")
    list_select_related = ("source",)
    date_hierarchy = "received_at"
    search_fields = ("reason", "delivery_id")
    actions = ["retry"]
    FIELDS = (
        "source", "status", "reason", "received_at", "last_received_at", "deliveries", "signature",
        "content_type", "delivery_id", "body_size", "retries", "retried_at", "resolved_at",
    )  # fmt: skip

    def get_fields(self, request, obj=None):
        clear = can_see_personal_data(request.user)
        return [
            *self.FIELDS,
            *(("errors_shown", "body_shown") if clear else ("errors_masked", "body_masked")),
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # What was received is a record: nobody edits it; the mapping is fixed on the source.
        return False

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("feedback.change_webhookdeadletter")

    @admin.display(description="errors")
    def errors_shown(self, letter: WebhookDeadLetter) -> str:
        return _pre(json.dumps(letter.errors, indent=2, ensure_ascii=False))

    @admin.display(description="errors (personal data masked)")
    def errors_masked(self, letter: WebhookDeadLetter) -> str:
        return _pre(json.dumps(letter.errors, indent=2, ensure_ascii=False), masked=True)

    @admin.display(description="body")
    def body_shown(self, letter: WebhookDeadLetter) -> str:
        return _pre(_readable(letter))

    @admin.display(description="body (personal data masked)")
    def body_masked(self, letter: WebhookDeadLetter) -> str:
        return _pre(_readable(letter), masked=True)

    @admin.action(description="Retry: map again through the source's current mapping", permissions=["retry"])
    def retry(self, request, queryset):
        report = dead_letters_retry(dead_letters=queryset.select_related("source"))
        if report["resolved"]:
            self.message_user(
                request, f"Stored, now resolved: {', '.join(report['resolved'])}.", messages.SUCCESS
            )
        for line in report["open"]:
            self.message_user(request, f"Still not stored, {line}", messages.WARNING)
        for line in report["refused"]:
            self.message_user(request, f"Not retried, {line}", messages.ERROR)
        if not any(report.values()):
            self.message_user(request, "Nothing to retry: only open dead letters are retried.", messages.INFO)
