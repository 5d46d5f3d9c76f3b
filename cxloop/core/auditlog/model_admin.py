"""Changes made in Django's admin to configuration that decides what happens to customers (triage
rules, SLA policies, sources): each save and delete writes an audit row with the changed fields'
names (never their values: a source's secret is one of them).

Mix AuditedAdmin into a ModelAdmin and name the thing: `audit_noun = "rule"` gives rule.created,
rule.changed and rule.deleted. The admin runs these hooks inside its own transaction, so the row
commits with the change or not at all.
"""

from typing import Any

from django.contrib import admin

from cxloop.core.models import audit


class AuditedAdmin(admin.ModelAdmin):
    audit_noun = ""

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        verb = f"{self.audit_noun}.{'changed' if change else 'created'}"
        audit(actor=request.user, verb=verb, target=obj, fields=sorted(form.changed_data))

    def delete_model(self, request: Any, obj: Any) -> None:
        self._audit_deleted(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for obj in queryset:
            self._audit_deleted(request, obj)
        super().delete_queryset(request, queryset)

    def _audit_deleted(self, request: Any, obj: Any) -> None:
        # The id (the target) and the slug when it has one, never its name: staff's words (a rule
        # named after a customer) would stay in the append-only log for good.
        slug = getattr(obj, "slug", None)
        data = {"slug": slug} if isinstance(slug, str) else {}
        audit(actor=request.user, verb=f"{self.audit_noun}.deleted", target=obj, **data)
