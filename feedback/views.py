"""Overview pages per team, department and organisation, the feedback list, and forms for people."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cxloop.core.exceptions import ApplicationError
from cxloop.org.models import Role
from cxloop.org.permissions import role_required
from cxloop.org.scoping import departments_visible_to, scope_for, teams_visible_to

from . import selectors
from .enrichment.classifier import LIKELY_SUGGESTION
from .forms import CategoryChoiceForm, EmployeeFeedbackForm, QuickFeedbackForm
from .models import Source
from .permissions import Writer
from .services.coding import feedback_categorize
from .services.ingest import ERROR, feedback_ingest


@require_GET
@role_required(Role.AGENT, Role.TEAM_LEAD)
def my_team(request):
    """The first team the user works in."""
    team = teams_visible_to(user=request.user).filter(pk__in=scope_for(request.user).team_ids).first()
    if team is None:
        raise Http404("You are not on a team.")
    return redirect("feedback:team", slug=team.slug)


@require_GET
def team_overview(request, slug: str):
    """A team's recent NPS, members and latest feedback; 404 for teams the user may not see."""
    team = get_object_or_404(teams_visible_to(user=request.user), slug=slug)
    context = {"team": team, **selectors.team_overview(user=request.user, team=team)}
    return TemplateResponse(request, "feedback/team_overview.html", context)


@require_GET
@role_required(Role.MANAGER)
def my_department(request):
    department = departments_visible_to(user=request.user).first()
    if department is None:
        raise Http404("You do not manage a department.")
    return redirect("feedback:department", slug=department.slug)


@require_GET
@role_required(Role.MANAGER, Role.COMMITTEE)
def department_overview(request, slug: str):
    """Each team of a department with its recent NPS."""
    department = get_object_or_404(departments_visible_to(user=request.user), slug=slug)
    rows = selectors.department_overview(user=request.user, department=department)
    return TemplateResponse(
        request, "feedback/department_overview.html", {"department": department, "rows": rows}
    )


@require_GET
@role_required(Role.COMMITTEE)
def organisation_overview(request):
    """Every department with its recent NPS."""
    rows = selectors.organisation_overview(
        user=request.user, departments=departments_visible_to(user=request.user)
    )
    return TemplateResponse(request, "feedback/organisation_overview.html", {"rows": rows})


@require_GET
def feedback_list(request):
    """The feedback explorer: what the user may see, newest first, searched and filtered."""
    filterset, feedback = selectors.feedback_search(user=request.user, filters=request.GET)
    page = Paginator(feedback, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "filter_form": filterset.form, "query": query.urlencode()}
    return TemplateResponse(request, "feedback/feedback_list.html", context)


@require_GET
def feedback_detail(request, pk: int):
    """One item with its enrichment, and the form to confirm its category."""
    item = selectors.feedback_get(user=request.user, feedback_id=pk)
    likely = (item.suggested_confidence or 0) >= LIKELY_SUGGESTION
    initial = item.confirmed_category or (item.suggested_category if likely else None)
    form = CategoryChoiceForm(initial={"category": initial.slug if initial else None})
    context = {"item": item, "category_form": form, "likely_suggestion": LIKELY_SUGGESTION}
    return TemplateResponse(request, "feedback/feedback_detail.html", context)


@require_POST
def feedback_categorize_view(request, pk: int):
    item = selectors.feedback_get(user=request.user, feedback_id=pk)
    form = CategoryChoiceForm(request.POST)
    if form.is_valid():
        try:
            feedback_categorize(feedback=item, category=form.cleaned_data["category"], actor=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Category set to “{form.cleaned_data['category']}”.")
    else:
        messages.error(request, "Choose a category from the list.")
    return redirect("feedback:detail", pk=item.pk)


@require_GET
def customer_detail(request, pk: int):
    """A customer's timeline across every channel."""
    customer, history = selectors.customer_timeline(user=request.user, customer_id=pk)
    return TemplateResponse(
        request, "feedback/customer_detail.html", {"customer": customer, "history": history}
    )


def _form_teams(user) -> dict:
    under = selectors.teams_to_file_under(user=user)
    return {"teams": under.teams, "team_required": under.required}


def _store_from_form(request, form, item: dict, *, template: str, success: str):
    result = feedback_ingest(raw=item, writer=Writer.for_person(request.user))
    if result.status == ERROR:
        # The form checked the shape; what is left names a field of the contract.
        for field, reasons in result.errors.items():
            target = field if field in form.fields else None
            form.add_error(target, f"{field}: {' '.join(map(str, reasons))}" if target is None else reasons)
        return TemplateResponse(request, template, {"form": form}, status=400)
    messages.success(request, success)
    for reasons in result.warnings.values():
        for reason in reasons:
            messages.warning(request, f"Recorded, but the customer's {reason}")
    return redirect(request.path)


@require_http_methods(["GET", "POST"])
@role_required(Role.AGENT, Role.TEAM_LEAD, Role.MANAGER)
def quick_feedback(request):
    """Frontline staff record what a customer said in the store, on the phone or at a return."""
    form = QuickFeedbackForm(request.POST or None, **_form_teams(request.user))
    if request.method == "POST" and form.is_valid():
        item = form.contract_item(user=request.user)
        return _store_from_form(
            request,
            form,
            item,
            template="feedback/quick_feedback.html",
            success="Thank you: the feedback is recorded.",
        )
    return TemplateResponse(
        request, "feedback/quick_feedback.html", {"form": form}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def employee_feedback(request):
    """Anyone on staff raises an obstacle or an idea."""
    source = Source.objects.filter(active=True, kind=Source.Kind.EMPLOYEE).order_by("pk").first()
    form = EmployeeFeedbackForm(request.POST or None, **_form_teams(request.user))
    if source is not None and request.method == "POST" and form.is_valid():
        item = form.contract_item(source=source, user=request.user)
        return _store_from_form(
            request,
            form,
            item,
            template="feedback/employee_feedback.html",
            success="Thank you for raising it.",
        )
    context = {"form": form, "unavailable": source is None}
    status = 400 if form.errors or (source is None and request.method == "POST") else 200
    return TemplateResponse(request, "feedback/employee_feedback.html", context, status=status)
