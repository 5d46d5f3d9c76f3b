from django.contrib import admin

from .models import Department, Membership, Team


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "department", "timezone", "is_triage_team")
    list_filter = ("department", "is_triage_team")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "team", "department")
    list_filter = ("role", "department", "team")
    list_select_related = ("user", "team", "department")
    autocomplete_fields = ("user",)
