"""The feedback explorer (the list, an item, a customer) and the old overview addresses (redirects)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from cxloop.core.auditlog.record import audit_view
from cxloop.core.exceptions import ApplicationError
from cxloop.org.models import Role
from cxloop.org.permissions import role_required
from cxloop.org.scoping import departments_visible_to, scope_for, teams_visible_to

from . import selectors
from .enrichment.classifier import LIKELY_SUGGESTION
from .forms import CategoryChoiceForm
from .services.coding import feedback_categorize

# The overview pages of a team, a department and the organisation are the dashboards' (one family of
# pages, every NPS with its interval and small-sample flag): these addresses keep their access
# checks and send the user on, so links and bookmarks keep working.


@require_GET
@role_required(Role.AGENT, Role.TEAM_LEAD)
def my_team(request):
    """The first team the user works in."""
    team = teams_visible_to(user=request.user).filter(pk__in=scope_for(request.user).team_ids).first()
    if team is None:
        raise Http404("You are not on a team.")
    return redirect("dashboards:team", slug=team.slug)


@require_GET
def team_overview(request, slug: str):
    """A team's dashboard; 404 for teams the user may not see."""
    team = get_object_or_404(teams_visible_to(user=request.user), slug=slug)
    return redirect("dashboards:team", slug=team.slug)


@require_GET
@role_required(Role.MANAGER)
def my_department(request):
    department = departments_visible_to(user=request.user).first()
    if department is None:
        raise Http404("You do not manage a department.")
    return redirect("dashboards:department", slug=department.slug)


@require_GET
@role_required(Role.MANAGER, Role.COMMITTEE)
def department_overview(request, slug: str):
    """A department's dashboard: each of its teams with its NPS."""
    department = get_object_or_404(departments_visible_to(user=request.user), slug=slug)
    return redirect("dashboards:department", slug=department.slug)


@require_GET
@role_required(Role.COMMITTEE)
def organisation_overview(request):
    """The organisation's dashboard: every department and team with its NPS."""
    return redirect("dashboards:overview")


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
    audit_view(request, item)
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
            messages.success(
                request, _("Category set to “%(category)s”.") % {"category": form.cleaned_data["category"]}
            )
    else:
        messages.error(request, _("Choose a category from the list."))
    return redirect("feedback:detail", pk=item.pk)


@require_GET
def customer_detail(request, pk: int):
    """A customer's timeline across every channel."""
    customer, history = selectors.customer_timeline(user=request.user, customer_id=pk)
    audit_view(request, customer)
    return TemplateResponse(
        request, "feedback/customer_detail.html", {"customer": customer, "history": history}
    )
