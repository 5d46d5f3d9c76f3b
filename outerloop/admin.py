from django.contrib import admin

from .models import DetectionRun, ImpactReview, Initiative, InitiativeEvent, Milestone, Signal


@admin.register(Signal)
class SignalAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "rising", "recent_count", "p_value", "updated_at"]
    list_filter = ["kind", "status", "rising"]
    search_fields = ["title", "key"]
    # Status changes go through the triage services (signals board), never a raw save.
    readonly_fields = ["status", "merged_into"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    list_display = ["title", "stage", "owner", "priority_score", "stage_changed_at"]
    list_filter = ["stage"]
    search_fields = ["title"]
    readonly_fields = ["stage", "stage_changed_at", "rolled_out_at"]
    inlines = [MilestoneInline]


@admin.register(InitiativeEvent)
class InitiativeEventAdmin(admin.ModelAdmin):
    list_display = ["initiative", "kind", "actor", "created_at"]

    def has_change_permission(self, request, obj=None):
        return False  # append-only

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImpactReview)
class ImpactReviewAdmin(admin.ModelAdmin):
    list_display = ["initiative", "nps_before", "nps_after", "nps_p_value", "created_at", "discussed_at"]


@admin.register(DetectionRun)
class DetectionRunAdmin(admin.ModelAdmin):
    list_display = ["finished_at", "window_end", "cells", "created", "updated", "team_rises", "seconds"]

    def has_add_permission(self, request):
        return False  # written by the signal job only

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
