"""Administration of channels, the taxonomy and reference data (feedback itself is read-only here)."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from .models import Category, CategoryModel, Customer, Feedback, JourneyStage, Source, Touchpoint
from .webhooks.adapters import ADAPTERS


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
            "field_mapping": 'e.g. {"adapter": "typeform", "defaults": {"scale": "nps"}}; see the README.',
        }

    def clean_field_mapping(self):
        mapping = self.cleaned_data["field_mapping"] or {}
        if not isinstance(mapping, dict):
            raise forms.ValidationError("The field mapping is a JSON object.")
        adapter = mapping.get("adapter", "standard")
        if adapter not in ADAPTERS:
            raise forms.ValidationError(
                f"Unknown adapter {adapter!r}; one of: {', '.join(sorted(ADAPTERS))}."
            )
        if "fields" in mapping and not isinstance(mapping["fields"], dict):
            raise forms.ValidationError('"fields" maps contract keys to JSON paths such as "$.data.score".')
        if "defaults" in mapping and not isinstance(mapping["defaults"], dict):
            raise forms.ValidationError('"defaults" maps contract keys to fixed values.')
        return mapping


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    form = SourceForm
    list_display = ("name", "slug", "kind", "active", "webhook_url")
    list_filter = ("kind", "active")
    prepopulated_fields = {"slug": ("name",)}

    @admin.display(description="Webhook URL")
    def webhook_url(self, source: Source) -> str:
        return f"/hooks/{source.slug}/"


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
