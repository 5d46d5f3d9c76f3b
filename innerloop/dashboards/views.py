"""Dashboard pages and their CSV exports."""

import csv

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from cxloop.core.auditlog.record import audit_export
from cxloop.org.models import Role
from cxloop.org.permissions import role_required
from cxloop.org.scoping import departments_visible_to, teams_visible_to

from .selectors import dashboard, team_page, triage_queue

# Cells a spreadsheet would run as a formula start with one of these: prefix them with a quote.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
TABLES = {"stages": "journey_stage", "touchpoints": "touchpoint"}


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@require_GET
def overview(request):
    """Everything the user may see: their team, their department, or the organisation."""
    context = {"scope": None, "triage": triage_queue(user=request.user), **dashboard(user=request.user)}
    return TemplateResponse(request, "innerloop/dashboards/dashboard.html", context)


@require_GET
def team(request, slug: str):
    """One team's dashboard, with its latest feedback and its members."""
    team = get_object_or_404(teams_visible_to(user=request.user).select_related("department"), slug=slug)
    context = {
        "scope": team,
        "scope_param": "team",
        **dashboard(user=request.user, team=team),
        **team_page(user=request.user, team=team),
    }
    return TemplateResponse(request, "innerloop/dashboards/dashboard.html", context)


@require_GET
@role_required(Role.MANAGER, Role.COMMITTEE)
def department(request, slug: str):
    """One department's dashboard: its figures and each of its teams."""
    department = get_object_or_404(departments_visible_to(user=request.user), slug=slug)
    context = {
        "scope": department,
        "scope_param": "department",
        **dashboard(user=request.user, department=department),
    }
    return TemplateResponse(request, "innerloop/dashboards/dashboard.html", context)


@require_GET
def export(request, table: str):
    """One table of a dashboard as CSV, safe to open in a spreadsheet."""
    slug = request.GET.get("team")
    scope = get_object_or_404(teams_visible_to(user=request.user), slug=slug) if slug else None
    department_slug = request.GET.get("department")
    department = (
        get_object_or_404(departments_visible_to(user=request.user), slug=department_slug)
        if department_slug
        else None
    )
    data = dashboard(user=request.user, team=scope, department=department)
    audit_export(request, what="dashboard", target_id=table, team=slug, department=department_slug)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cxloop-{table}.csv"'
    writer = csv.writer(response)
    if table == "categories":
        writer.writerow(
            ["category", "n", "nps_with", "ci_low", "ci_high", "nps_without", "difference", "p_value"]
        )
        for row in data["categories"]:
            writer.writerow(
                [
                    safe_cell(row[key])
                    for key in (
                        "category",
                        "n",
                        "nps_with",
                        "ci_low",
                        "ci_high",
                        "nps_without",
                        "difference",
                        "p_value",
                    )
                ]
            )
        return response
    if table not in TABLES:
        return HttpResponse(status=404)
    writer.writerow([TABLES[table], "n", "nps", "ci_low", "ci_high", "low_sample", "previous_nps", "p_value"])
    for row in data[table]:
        writer.writerow(
            [
                safe_cell(row["labels"][TABLES[table]]), row["n"], row["nps"], row["ci_low"], row["ci_high"],
                row["low_sample"], (row.get("previous") or {}).get("nps"), row.get("p_value"),
            ]
        )  # fmt: skip
    return response
