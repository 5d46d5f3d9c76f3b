"""Retention policies in the Django admin: edited there (validated, each change audited); the
product page (feedback.privacy.views.retention_overview) shows each with its dry-run count."""

from django.contrib import admin

from cxloop.core.auditlog.model_admin import AuditedAdmin
from feedback.models import RetentionPolicy


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(AuditedAdmin):
    audit_noun = "retention_policy"
    list_display = (
        "source",
        "comments_anonymise_after_months",
        "case_personal_data_after_months",
        "enabled",
        "last_run_at",
    )
    list_filter = ("enabled",)
    readonly_fields = ("last_run_at", "last_run_counts")
    fields = (
        "source",
        "comments_anonymise_after_months",
        "case_personal_data_after_months",
        "enabled",
        "last_run_at",
        "last_run_counts",
    )
