"""Administration of the taxonomy and reference data (feedback itself is read-only here); the intake
channels' own (sources, webhook dead letters) is in feedback/intake/admin.py, registered from here."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxloop.core.admin_labels import NamedControlsAdmin

from .intake import admin as intake_admin  # noqa: F401 (registers the sources and dead letters)
from .models import Category, CategoryModel, Customer, Feedback, JourneyStage, Touchpoint, anonymous_answer_q
from .privacy import admin as privacy_admin  # noqa: F401 (registers the retention policies)
from .surveys import admin as surveys_admin  # noqa: F401 (registers surveys and invitations)


@admin.register(Category)
class CategoryAdmin(NamedControlsAdmin):
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
        messages.success(request, _("%(count)s categories retired.") % {"count": count})

    @admin.action(description="Bring the selected categories back")
    def reinstate(self, request, queryset):
        count = queryset.update(retired_at=None)
        messages.success(request, _("%(count)s categories reinstated.") % {"count": count})


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
    list_display = (
        "__str__", "external_id", "segment", "value_tier", "annual_value", "owning_team", "do_not_contact",
    )  # fmt: skip
    list_filter = ("value_tier", "segment", "do_not_contact")
    search_fields = ("external_id", "name", "email")
    list_select_related = ("owning_team",)
    # Do not contact changes only through the actions below (the service dates and audits it).
    readonly_fields = ("value_tier", "do_not_contact", "do_not_contact_since")
    actions = ["mark_do_not_contact", "allow_contact"]

    @admin.action(description="Mark do not contact (the customers asked not to be contacted)")
    def mark_do_not_contact(self, request, queryset):
        self._do_not_contact_set(request, queryset, do_not_contact=True)

    @admin.action(description="Remove do not contact (the customers agreed to be contacted again)")
    def allow_contact(self, request, queryset):
        self._do_not_contact_set(request, queryset, do_not_contact=False)

    def _do_not_contact_set(self, request, queryset, *, do_not_contact: bool) -> None:
        from .permissions import MANAGE_CUSTOMERS
        from .services.contact import customer_do_not_contact_set

        if not request.user.has_perm(MANAGE_CUSTOMERS):
            self.message_user(request, "Only a person who manages customers may do this.", messages.ERROR)
            return
        changed = queryset.exclude(do_not_contact=do_not_contact)
        count = 0
        for customer in changed.order_by("pk"):
            customer_do_not_contact_set(
                customer=customer, do_not_contact=do_not_contact, actor=request.user, by="admin"
            )
            count += 1
        state = "marked do not contact" if do_not_contact else "may be contacted again"
        self.message_user(request, f"{count} customer(s) {state}.", messages.SUCCESS)


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    """Read-only: feedback enters through the ingestion service, never a raw save."""

    list_display = ("id", "source", "external_id", "scale", "score", "occurred_at", "team")
    list_filter = ("source", "scale")
    list_select_related = ("source", "team")
    search_fields = ("external_id",)
    show_full_result_count = False
    readonly_fields = [f.name for f in Feedback._meta.fields]

    def get_queryset(self, request):
        # Employee surveys' answers are anonymous: never listed or opened one by one, here neither.
        return super().get_queryset(request).exclude(anonymous_answer_q())

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
