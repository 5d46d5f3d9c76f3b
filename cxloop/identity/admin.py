from typing import Any

from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import GroupMapping
from .services.second_factor import second_factor_reset


@admin.register(GroupMapping)
class GroupMappingAdmin(admin.ModelAdmin):
    list_display = ("group", "role", "team", "department")
    list_filter = ("role", "department", "team")
    search_fields = ("group",)
    list_select_related = ("team", "department")


# allauth's own page for authenticators deletes them without a trace; this one resets through the
# audited service, and shows no secrets.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type",)
    search_fields = ("user__username",)
    list_select_related = ("user",)
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields
    actions = ["reset_second_factor"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Removing one factor happens only as part of a reset (the action below).
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not request.user.has_perm("mfa.delete_authenticator"):
            actions.pop("reset_second_factor", None)
        return actions

    @admin.action(description="Reset the second factor of these people (they enrol again)")
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[Authenticator]) -> None:
        people = {authenticator.user for authenticator in queryset.select_related("user")}
        for person in people:
            second_factor_reset(person=person, actor=request.user)
        self.message_user(request, f"Second factor reset for {len(people)} person(s).", messages.SUCCESS)
