"""Administration of survey definitions (with their texts per language) and a read-only list of
invitations: what was sent, and why the others were not. Registered from feedback/admin.py."""

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxloop.core.admin_labels import NamedControlsAdmin
from feedback.models import Survey, SurveyInvitation, SurveyText


class SurveyTextForm(forms.ModelForm):
    class Meta:
        model = SurveyText
        fields = [
            "language", "question", "comment_question", "follow_ups", "email_subject", "email_intro",
            "reminder_subject", "sms_text",
        ]  # fmt: skip

    def clean_follow_ups(self):
        follow_ups = self.cleaned_data.get("follow_ups") or []
        if not isinstance(follow_ups, list) or not all(isinstance(q, str) and q.strip() for q in follow_ups):
            raise forms.ValidationError(_("A list of questions, each a non-empty text."))
        if len(follow_ups) > SurveyText.MAX_FOLLOW_UPS:
            raise forms.ValidationError(
                _("At most %(count)s follow-up questions.") % {"count": SurveyText.MAX_FOLLOW_UPS}
            )
        return follow_ups


class SurveyTextInline(admin.StackedInline):
    model = SurveyText
    form = SurveyTextForm
    extra = 0
    min_num = 1


@admin.register(Survey)
class SurveyAdmin(NamedControlsAdmin):
    list_display = ("name", "slug", "audience", "purpose", "channel", "scale", "source", "active")
    list_filter = ("audience", "purpose", "channel", "scale", "active")
    list_select_related = ("source",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [SurveyTextInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "audience", "purpose", "channel", "scale", "default_language",
                           "active")}),
        (_("Where answers go"), {"fields": ("source", "touchpoint", "journey_stage")}),
        (_("Contact rules"), {"fields": ("days_between_this", "days_between_any", "quiet_from", "quiet_until",
                                         "sample_percent", "daily_cap")}),
        (_("Reminder and link"),
         {"fields": ("reminder_after_hours", "link_valid_days", "answer_edit_minutes")}),
    )  # fmt: skip

    def has_delete_permission(self, request, obj=None) -> bool:
        # Once invitations exist, a survey is made inactive, never deleted: its history keeps its meaning.
        if obj is not None and obj.invitations.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are created by the API, a contact list or a rule, through the contact rules."""

    list_display = (
        "id",
        "survey",
        "status",
        "suppressed_reason",
        "trigger",
        "team",
        "send_after",
        "created_at",
    )
    list_filter = ("status", "suppressed_reason", "trigger", "survey")
    list_select_related = ("survey", "team")
    search_fields = ("transaction_id",)
    show_full_result_count = False
    date_hierarchy = "created_at"
    raw_id_fields = ("customer", "employee", "feedback")
    readonly_fields = [f.name for f in SurveyInvitation._meta.fields] + ["answered_on"]
    # An employee survey's invitation: not who it was, nor when it was opened or answered beyond
    # the day (a time could be matched with an anonymous answer's), nor the transaction id (it
    # names the person: "<survey>:<round>:<user id>").
    EMPLOYEE_HIDDEN = ("employee", "opened_at", "answered_at", "transaction_id")

    def get_fields(self, request, obj=None):
        fields = [name for name in super().get_fields(request, obj) if name != "answered_on"]
        if obj is not None and obj.survey.audience == Survey.Audience.EMPLOYEES:
            return [name for name in fields if name not in self.EMPLOYEE_HIDDEN] + ["answered_on"]
        return fields

    @admin.display(description=_("Answered on"))
    def answered_on(self, obj: SurveyInvitation):
        return timezone.localdate(obj.answered_at) if obj.answered_at else None

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
