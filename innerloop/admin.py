"""Administration of triage rules (with a dry run), SLA policies, case kinds, message templates and
huddle cadences."""

from typing import cast

from django import forms
from django.conf import settings
from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from cxloop.core.admin_labels import NamedControlsAdmin
from cxloop.core.auditlog.model_admin import AuditedAdmin
from innerloop.models.huddles import HuddleCadence

from .huddles.services import huddle_cadence_set
from .message_templates import PLACEHOLDERS, unknown_placeholders
from .models import Case, CaseKind, CaseRule, MessageTemplate, SlaPolicy
from .services.triage_rules import rule_dry_run

M2M_CONDITIONS = ("sources", "journey_stages", "touchpoints", "categories")


@admin.register(CaseRule)
class CaseRuleAdmin(NamedControlsAdmin, AuditedAdmin):
    audit_noun = "rule"
    list_display = ("position", "name", "active", "action", "case_kind", "priority", "sla_policy", "routing")
    list_display_links = ("name",)
    list_editable = ("position", "active")
    list_select_related = ("case_kind", "sla_policy")
    filter_horizontal = M2M_CONDITIONS
    change_form_template = "admin/innerloop/caserule/change_form.html"
    fieldsets = (
        (None, {"fields": ("position", "name", "active")}),
        (
            "When the feedback…",
            {
                "fields": (
                    "scales", ("score_min", "score_max"), "source_kinds", "sources", "segments",
                    "value_tiers", "min_annual_value", "sentiment_max", "categories", "min_confidence",
                    "keywords",
                    "journey_stages", "touchpoints",
                ),
                "description": "Leave a condition empty to match everything. Lists: comma-separated.",
            },
        ),
        ("…then", {"fields": ("action", "case_kind", "priority", "sla_policy", "routing", "team")}),
    )  # fmt: skip

    def get_urls(self):
        return [
            path(
                "dry-run/", self.admin_site.admin_view(self.dry_run_view), name="innerloop_caserule_dry_run"
            ),
            *super().get_urls(),
        ]

    def dry_run_view(self, request):
        """Validate the posted rule and show what it would have matched, without saving anything."""
        object_id = request.POST.get("_object_id") or None
        instance = CaseRule.objects.filter(pk=object_id).first() if object_id else None
        form_class = self.get_form(request, instance)
        form = form_class(request.POST, instance=instance)
        context = {
            **self.admin_site.each_context(request),
            "opts": CaseRule._meta,
            "form": form,
            "title": "Dry run",
        }
        if form.is_valid():
            rule = form.save(commit=False)
            related = {name: {obj.pk for obj in form.cleaned_data.get(name, [])} for name in M2M_CONDITIONS}
            context["result"] = rule_dry_run(rule=rule, related=related)
            context["rule"] = rule
        return TemplateResponse(request, "admin/innerloop/caserule/dry_run.html", context)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(AuditedAdmin):
    audit_noun = "sla"
    list_display = ("name", "first_contact_minutes", "resolution_minutes", "business_hours_only")


@admin.register(CaseKind)
class CaseKindAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class MessageTemplateForm(forms.ModelForm):
    """A template in one language: the language from settings.LANGUAGES (blank: every language
    without a version of its own), and only placeholders a case can fill."""

    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_(
            "Customers whose feedback is in this language get this version; “Any language” is for "
            "everyone else. A translation has the same slug as the template it translates."
        ),
    )

    class Meta:
        model = MessageTemplate
        fields = ("name", "slug", "language", "subject", "body", "active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = _(
            "Placeholders: %(names)s. A gap for the agent to write in goes in square brackets: [like this]."
        ) % {"names": ", ".join("{" + name + "}" for name in PLACEHOLDERS)}
        cast(forms.ChoiceField, self.fields["language"]).choices = [
            ("", _("Any language")),
            *((code, name) for code, name in settings.LANGUAGES),
        ]

    def _placeholders_known(self, name: str) -> str:
        text = self.cleaned_data[name]
        unknown = unknown_placeholders(text)
        if unknown:
            raise forms.ValidationError(
                _("No case can fill %(unknown)s. Use one of: %(names)s.")
                % {"unknown": ", ".join(unknown), "names": ", ".join("{" + key + "}" for key in PLACEHOLDERS)}
            )
        return text

    def clean_subject(self) -> str:
        return self._placeholders_known("subject")

    def clean_body(self) -> str:
        return self._placeholders_known("body")


class LanguageFilter(admin.SimpleListFilter):
    """The templates of one language by its name, "Any language" for the blank one (the plain filter
    showed it as a link with no text)."""

    title = _("language")
    parameter_name = "language"

    def lookups(self, request, model_admin):
        return [("any", _("Any language")), *settings.LANGUAGES]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(language="" if value == "any" else value)


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ("name", "slug", "language_name", "active")
    list_filter = (LanguageFilter, "active")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    @admin.display(description=_("Language"), ordering="language")
    def language_name(self, template: MessageTemplate) -> str:
        return str(dict(settings.LANGUAGES).get(template.language, template.language) or _("Any language"))


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: cases change through their services, which keep the timeline."""

    list_display = ("id", "kind", "team", "status", "priority", "assignee", "due_at")
    list_filter = ("status", "priority", "kind", "team")
    list_select_related = ("kind", "team", "assignee")
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(HuddleCadence)
class HuddleCadenceAdmin(admin.ModelAdmin):
    """Team leads set this on the huddles page; here an admin can set it for any team."""

    list_display = ("team", "weekday", "local_time", "every_weeks", "active")
    list_filter = ("active", "weekday")
    list_select_related = ("team",)
    fields = ("team", "weekday", "local_time", "every_weeks", "active")

    def get_readonly_fields(self, request, obj=None):
        return ("team",) if obj else ()

    def save_model(self, request, obj, form, change):
        # Through the service, so the team's next huddle moves with the new time.
        saved = huddle_cadence_set(
            team=obj.team,
            weekday=obj.weekday,
            local_time=obj.local_time,
            every_weeks=obj.every_weeks,
            active=obj.active,
            actor=request.user,
        )
        obj.pk = saved.pk
