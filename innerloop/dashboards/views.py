"""Dashboard pages and their CSV exports."""

import csv

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from cxloop.core.auditlog.record import audit_export
from cxloop.org.models import Role
from cxloop.org.permissions import role_required
from cxloop.org.scoping import departments_visible_to, teams_visible_to

from .periods import DashboardForm
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


def _page(request, *, team=None, department=None, extra: dict | None = None):
    """A dashboard of `team`, `department` or everything the user sees, for the period asked; a team
    chosen in the switcher leads to that team's page (keeping the period)."""
    data = request.GET.copy()
    if team is not None and "team" not in data:
        data["team"] = team.slug  # the switcher shows the team whose page this is
    form = DashboardForm(data, user=request.user)
    period = form.chosen_period()
    chosen = form.chosen_team()
    if chosen is not None and chosen != team:
        query = period.query()
        return redirect(reverse("dashboards:team", args=[chosen.slug]) + (f"?{query}" if query else ""))
    context = {
        "form": form,
        "scope": team or department,
        "scope_param": "team" if team is not None else "department" if department is not None else None,
        "period_query": period.query(),
        **dashboard(user=request.user, period=period, team=team, department=department),
        **(extra or {}),
    }
    status = 200 if form.is_valid() else 400
    return TemplateResponse(request, "innerloop/dashboards/dashboard.html", context, status=status)


@require_GET
def overview(request):
    """Everything the user may see: their team, their department, or the organisation."""
    return _page(request, extra={"triage": triage_queue(user=request.user)})


@require_GET
def team(request, slug: str):
    """One team's dashboard, with its latest feedback and its members."""
    team = get_object_or_404(teams_visible_to(user=request.user).select_related("department"), slug=slug)
    return _page(request, team=team, extra=team_page(user=request.user, team=team))


@require_GET
@role_required(Role.MANAGER, Role.COMMITTEE)
def department(request, slug: str):
    """One department's dashboard: its figures and each of its teams."""
    department = get_object_or_404(departments_visible_to(user=request.user), slug=slug)
    return _page(request, department=department)


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
    form = DashboardForm(request.GET, user=request.user)
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain; charset=utf-8")
    data = dashboard(user=request.user, period=form.chosen_period(), team=scope, department=department)
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
