"""The case queue and the case page: thin views over the inner loop's services."""

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST

from cxloop.core.exceptions import ApplicationError
from cxloop.org.scoping import scope_for

from . import selectors
from .forms import (
    BulkAssignForm,
    ContactForm,
    MessageForm,
    NoteForm,
    ReopenForm,
    ResolveForm,
    StatusForm,
    VersionedForm,
    team_people,
)
from .presenters import queue_rows
from .services import cases as services

# The most pressing cases first, a page at a time: a queue is worked from the top, and filters narrow it.
QUEUE_PAGE = 25


# Far beyond any queue; a larger page number is a bad request, not an OFFSET PostgreSQL cannot take.
MAX_QUEUE_PAGE = 100_000


def _page_number(request) -> int:
    raw = request.GET.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_QUEUE_PAGE:
        raise BadRequest(f"page must be a whole number from 1 to {MAX_QUEUE_PAGE:,}.")
    return int(raw)


@require_GET
def queue(request):
    """The team's case queue: filters, counts that refresh, claim next, bulk assignment."""
    filterset, cases = selectors.case_queue(user=request.user, filters=request.GET)
    page = _page_number(request)
    # One row more than a page says whether there is a next page, without counting them all.
    found = selectors.queue_page(cases, offset=(page - 1) * QUEUE_PAGE, size=QUEUE_PAGE + 1)
    cases = found[:QUEUE_PAGE]
    query = request.GET.copy()
    query.pop("page", None)
    team_ids = selectors.claimable_team_ids(user=request.user)
    context = {
        "cases": cases,
        "rows": queue_rows(cases, user=request.user),
        "page": page,
        "first": (page - 1) * QUEUE_PAGE + 1,
        "last": (page - 1) * QUEUE_PAGE + len(cases),
        "has_next": len(found) > QUEUE_PAGE,
        "query": query.urlencode(),
        "filter_form": filterset.form,
        "counts": selectors.queue_counts(user=request.user),
        "can_claim": bool(team_ids),
        "people": team_people(scope_for(request.user).team_ids) if team_ids else [],
    }
    return TemplateResponse(request, "innerloop/queue.html", context)


@require_GET
def queue_counts(request):
    """Just the counts, for htmx to refresh without a reload."""
    counts = selectors.queue_counts(user=request.user)
    return TemplateResponse(request, "innerloop/queue.html#counts", {"counts": counts})


@require_POST
def claim_next(request):
    case = services.case_claim_next(
        team_ids=selectors.claimable_team_ids(user=request.user), user=request.user
    )
    if case is None:
        messages.info(request, "Nothing to claim: every open case of your team has someone on it.")
        return redirect("innerloop:queue")
    return redirect("innerloop:case", pk=case.pk)


@require_POST
def bulk_assign(request):
    visible = selectors.cases_visible_to(user=request.user)
    form = BulkAssignForm(request.POST, cases=visible, people=team_people(scope_for(request.user).team_ids))
    if not form.is_valid():
        messages.error(request, "Choose cases and someone on the team.")
        return redirect("innerloop:queue")
    done = 0
    for case in form.cleaned_data["cases"]:
        try:
            services.case_assign(case=case, assignee=form.cleaned_data["assignee"], actor=request.user)
            done += 1
        except ApplicationError as error:
            messages.error(request, f"Case {case.pk}: {error.message}")
    messages.success(request, f"{done} case(s) assigned.")
    return redirect("innerloop:queue")


def _case_context(request, case, **forms):
    version = {"version": case.version}
    defaults = {
        "contact_form": ContactForm(initial=version),
        "message_form": MessageForm(initial=version),
        "resolve_form": ResolveForm(initial=version),
        "status_form": StatusForm(initial=version),
        "reopen_form": ReopenForm(initial=version),
        "note_form": NoteForm(),
    }
    defaults.update(forms)
    return {
        "case": case,
        "timeline": selectors.case_timeline(case=case),
        "history": selectors.customer_history(case=case, user=request.user),
        "templates": selectors.message_templates(),
        **defaults,
    }


@require_GET
def case_detail(request, pk: int):
    case = selectors.case_get(user=request.user, case_id=pk)
    return TemplateResponse(request, "innerloop/case_detail.html", _case_context(request, case))


# action name -> (form class, context name, service call)
ACTIONS = {
    "contact": (ContactForm, "contact_form", lambda case, user, data: services.case_log_contact(
        case=case, actor=user, channel=data["channel"], outcome=data["outcome"], promised=data["promised"],
        next_step=data["next_step"], expected_version=data["version"])),
    "message": (MessageForm, "message_form", lambda case, user, data: services.case_message_customer(
        case=case, actor=user, template=data["template"], body=data["body"],
        expected_version=data["version"])),
    "resolve": (ResolveForm, "resolve_form", lambda case, user, data: services.case_resolve(
        case=case, actor=user, root_cause=data["root_cause"], resolution_note=data["resolution_note"],
        recovery_score=data["recovery_score"], expected_version=data["version"])),
    "status": (StatusForm, "status_form", lambda case, user, data: services.case_transition(
        case=case, to_status=data["to_status"], actor=user, expected_version=data["version"])),
    "reopen": (ReopenForm, "reopen_form", lambda case, user, data: services.case_reopen(
        case=case, actor=user, reason=data["reason"], expected_version=data["version"])),
    "close": (VersionedForm, "close_form", lambda case, user, data: services.case_close(
        case=case, actor=user, expected_version=data["version"])),
    "note": (NoteForm, "note_form", lambda case, user, data: services.case_add_note(
        case=case, actor=user, text=data["text"])),
}  # fmt: skip

DONE = {
    "contact": "Contact logged.",
    "message": "Message sent to the customer.",
    "resolve": "Case resolved.",
    "status": "Status changed.",
    "reopen": "Case reopened.",
    "close": "Case closed: loop closed.",
    "note": "Note added.",
}


@require_POST
def case_action(request, pk: int, action: str):
    """One form on the case page: validate, call its service, come back to the case."""
    if action not in ACTIONS:
        raise Http404("No such action.")
    case = selectors.case_get(user=request.user, case_id=pk)
    form_class, name, call = ACTIONS[action]
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(case, request.user, form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, DONE[action])
            return redirect("innerloop:case", pk=case.pk)
    case.refresh_from_db()
    return TemplateResponse(
        request, "innerloop/case_detail.html", _case_context(request, case, **{name: form}), status=400
    )
