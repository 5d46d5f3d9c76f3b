"""Administration of the taxonomy and reference data (feedback itself is read-only here); the intake
channels' own (sources, webhook dead letters) is in feedback/intake/admin.py, registered from here."""

from django.contrib import admin, messages
from django.utils import timezone

from .intake import admin as intake_admin  # noqa: F401 (registers the sources and dead letters)
from .models import Category, CategoryModel, Customer, Feedback, JourneyStage, Touchpoint


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "slug", "parent", "retired_at")
    list_filter = ("parent", ("retired_at", admin.EmptyFieldListFilter))
    list_select_related = ("parent",)
    search_fields = ("name", "slug")
    actions = ["retire", "reinstate"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Once used, a category is retired, never deleted: history keeps its meaning.
        if obj is not None and (obj.confirmed_feedback.exists() or obj.children.exists()):
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description="Retire the selected categories")
    def retire(self, request, queryset):
        count = queryset.filter(retired_at__isnull=True).update(retired_at=timezone.now())
        messages.success(request, f"{count} categories retired.")

    @admin.action(description="Bring the selected categories back")
    def reinstate(self, request, queryset):
        count = queryset.update(retired_at=None)
        messages.success(request, f"{count} categories reinstated.")


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "owning_team")
    list_select_related = ("owning_team",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(JourneyStage)
class JourneyStageAdmin(admin.ModelAdmin):
    list_display = ("position", "name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("__str__", "external_id", "segment", "value_tier", "annual_value", "owning_team")
    list_filter = ("value_tier", "segment")
    search_fields = ("external_id", "name", "email")
    list_select_related = ("owning_team",)
    readonly_fields = ("value_tier",)


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    """Read-only: feedback enters through the ingestion service, never a raw save."""

    list_display = ("id", "source", "external_id", "scale", "score", "occurred_at", "team")
    list_filter = ("source", "scale")
    list_select_related = ("source", "team")
    search_fields = ("external_id",)
    show_full_result_count = False
    readonly_fields = [f.name for f in Feedback._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CategoryModel)
class CategoryModelAdmin(admin.ModelAdmin):
    list_display = ("created_at", "trained_on", "categories", "accuracy")
    exclude = ("blob",)

    def has_add_permission(self, request) -> bool:
        return False
