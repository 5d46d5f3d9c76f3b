"""The outbox: every email recorded, and a way to send again what failed or was interrupted."""

from django.contrib import admin, messages

from .models import EmailMessage
from .services import SENDING_STALE_AFTER, email_resend, interrupted_while_sending


class NeedsAttention(admin.SimpleListFilter):
    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("failed", "Failed"), ("interrupted", "Interrupted while sending")]

    def queryset(self, request, queryset):
        if self.value() == "failed":
            return queryset.filter(status=EmailMessage.Status.FAILED)
        if self.value() == "interrupted":
            return queryset.filter(interrupted_while_sending())
        return queryset


@admin.register(EmailMessage)
class EmailMessageAdmin(admin.ModelAdmin):
    list_display = ("subject", "to", "status", "attempts", "created_at", "sending_since", "sent_at")
    list_filter = (NeedsAttention, "status")
    search_fields = ("to", "subject", "key")
    date_hierarchy = "created_at"
    actions = ["send_again"]
    # A record of what was sent: nobody edits it by hand.
    readonly_fields = [field.name for field in EmailMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Send again (failed, or interrupted while sending: check it did not arrive)")
    def send_again(self, request, queryset):
        queued = email_resend(email_ids=list(queryset.values_list("pk", flat=True)))
        skipped = queryset.count() - queued
        self.message_user(request, f"{queued} email(s) queued again.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} left alone: sent, pending, or sending for less than "
                f"{int(SENDING_STALE_AFTER.total_seconds() // 60)} minutes.",
                messages.WARNING,
            )
