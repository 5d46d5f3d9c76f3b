from django.contrib import admin

from cxloop.core.admin_labels import NamedInlineFormSet

from .models import ActionItem, Committee, CommitteeSeat, Decision, Meeting, MeetingProxy, SystemReview


class SeatInline(admin.TabularInline):
    model = CommitteeSeat
    extra = 0
    formset = NamedInlineFormSet


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "quorum", "stall_days"]
    inlines = [SeatInline]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["committee", "scheduled_for", "held_at"]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["initiative", "meeting", "status", "outcome", "decided_at"]
    # Decisions are taken by votes (governance.services), not edited here.
    readonly_fields = ["status", "outcome", "decided_at"]


@admin.register(MeetingProxy)
class MeetingProxyAdmin(admin.ModelAdmin):
    """Read only: a seat's holder names and withdraws its proxy on the meeting page or through the API."""

    list_display = ["meeting", "seat", "proxy", "named_by", "named_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


admin.site.register(ActionItem)
admin.site.register(SystemReview)
