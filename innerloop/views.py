"""The case queue and the case page: thin views over the inner loop's services."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST

from cxloop.core.actions import action_run_form
from cxloop.core.auditlog.record import audit_view
from cxloop.org.scoping import scope_for

from . import permissions, selectors
from .actions import CASE_ACTIONS, QUEUE_ACTIONS
from .forms import (
    AllowContactForm,
    BulkAssignForm,
    ContactForm,
    DoNotContactForm,
    MessageForm,
    NoteForm,
    ReopenForm,
    ResolveForm,
    StatusForm,
    VersionedForm,
    team_people,
)
from .models import Case
from .presenters import customer_card, queue_rows

# The most pressing cases first, a page at a time: a queue is worked from the top, and filters narrow it.
QUEUE_PAGE = 25


# Far beyond any queue; a larger page number is a bad request, not an OFFSET PostgreSQL cannot take.
MAX_QUEUE_PAGE = 100_000


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_QUEUE_PAGE:
        raise BadRequest(f"page must be a whole number from 1 to {MAX_QUEUE_PAGE:,}.")
    return int(raw)


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The team's case queue: filters, counts that refresh, claim next, bulk assignment."""
    filterset, cases = selectors.case_queue(user=request.user, filters=request.GET)
    page = _page_number(request)
    # One row more than a page says whether there is a next page, without counting them all.
    found = selectors.queue_page(cases, offset=(page - 1) * QUEUE_PAGE, size=QUEUE_PAGE + 1)
    page_cases = found[:QUEUE_PAGE]
    query = request.GET.copy()
    query.pop("page", None)
    can_claim = permissions.can_claim_cases(request.user)
    context = {
        "cases": page_cases,
        "rows": queue_rows(page_cases, user=request.user),
        "page": page,
        "first": (page - 1) * QUEUE_PAGE + 1,
        "last": (page - 1) * QUEUE_PAGE + len(page_cases),
        "has_next": len(found) > QUEUE_PAGE,
        "query": query.urlencode(),
        "filter_form": filterset.form,
        "counts": selectors.queue_counts(user=request.user),
        "can_claim": can_claim,
        "people": team_people(scope_for(request.user).team_ids) if can_claim else [],
    }
    return TemplateResponse(request, "innerloop/queue.html", context)


@require_GET
def queue_counts(request: HttpRequest) -> HttpResponse:
    """Just the counts, for htmx to refresh without a reload."""
    counts = selectors.queue_counts(user=request.user)
    return TemplateResponse(request, "innerloop/queue.html#counts", {"counts": counts})


@require_POST
def claim_next(request: HttpRequest) -> HttpResponse:
    """Take the most urgent unassigned case of the user's teams (the queue's "claim-next" action)."""
    done = action_run_form(QUEUE_ACTIONS["claim-next"], user=request.user, target=None, form=None)
    if done is None or done.result is None:
        messages.info(request, "Nothing to claim: every open case of your team has someone on it.")
        return redirect("innerloop:queue")
    return redirect("innerloop:case", pk=done.result.pk)


@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """Assign the chosen cases to someone on the team (the queue's "assign" action)."""
    visible = selectors.cases_visible_to(user=request.user)
    form = BulkAssignForm(request.POST, cases=visible, people=team_people(scope_for(request.user).team_ids))
    done = action_run_form(QUEUE_ACTIONS["assign"], user=request.user, target=None, form=form)
    if done is None:
        messages.error(request, "Choose cases and someone on the team.")
        return redirect("innerloop:queue")
    for refusal in done.result[1]:
        messages.error(request, refusal)
    messages.success(request, done.message)
    return redirect("innerloop:queue")


# Each case action the page offers: the form its HTML encoding is read with, and its name in the
# page's context (the actions themselves are CASE_ACTIONS).
HTML_ACTIONS: dict[str, tuple[type[forms.Form], str]] = {
    "contact": (ContactForm, "contact_form"),
    "message": (MessageForm, "message_form"),
    "resolve": (ResolveForm, "resolve_form"),
    "status": (StatusForm, "status_form"),
    "reopen": (ReopenForm, "reopen_form"),
    "close": (VersionedForm, "close_form"),
    "note": (NoteForm, "note_form"),
    "do-not-contact": (DoNotContactForm, "do_not_contact_form"),
    "allow-contact": (AllowContactForm, "allow_contact_form"),
}
# The close action is a button with its hidden version: the page shows no form for it.
_NO_PAGE_FORM = {"close"}


def _case_context(request: HttpRequest, case: Case, **bound: forms.Form) -> dict[str, Any]:
    initial = {"version": case.version}
    page_forms = {
        name: form_class(initial=initial if "version" in form_class.base_fields else None)
        for action, (form_class, name) in HTML_ACTIONS.items()
        if action not in _NO_PAGE_FORM
    }
    return {
        "case": case,
        "do_not_contact": selectors.customer_contact(case=case),
        "customer_card": customer_card(case, user=request.user),
        "can_allow_contact": permissions.can_allow_contact(request.user, case),
        "timeline": selectors.case_timeline(case=case),
        "history": selectors.customer_history(case=case, user=request.user),
        "templates": selectors.message_templates(),
        **page_forms,
        **bound,
    }


@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, case_id=pk)
    audit_view(request, case)
    return TemplateResponse(request, "innerloop/case_detail.html", _case_context(request, case))


def _after_resolving(request: HttpRequest, case: Case) -> HttpResponse:
    """Straight on to the person's next case, saying so; back to the queue when they have none."""
    following = selectors.case_next_for(user=request.user, after=case)
    if following is None:
        messages.success(request, f"Case {case.pk} resolved. You have no other open case: here is the queue.")
        return redirect("innerloop:queue")
    messages.success(
        request, f"Case {case.pk} resolved. Next: case {following.pk}, the most pressing of your open cases."
    )
    return redirect("innerloop:case", pk=following.pk)


@require_POST
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One form on the case page: run its entry of CASE_ACTIONS, come back to the case."""
    if action not in CASE_ACTIONS or action not in HTML_ACTIONS:
        raise Http404("No such action.")
    case = selectors.case_get(user=request.user, case_id=pk)
    form_class, name = HTML_ACTIONS[action]
    form = form_class(request.POST)
    done = action_run_form(CASE_ACTIONS[action], user=request.user, target=case, form=form)
    if done is not None:
        if action == "resolve":
            return _after_resolving(request, case)
        messages.success(request, done.message)
        return redirect("innerloop:case", pk=case.pk)
    case.refresh_from_db()
    return TemplateResponse(
        request, "innerloop/case_detail.html", _case_context(request, case, **{name: form}), status=400
    )
