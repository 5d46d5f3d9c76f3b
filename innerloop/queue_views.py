"""The case queue page: the team queue and My cases, sorting, saved views, and the actions on it
(claim a row, claim next, bulk assign), each coming back to where the person was (queue_nav)."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cxloop.core.actions import ActionForm, action_run_form
from cxloop.org.names import person_name
from cxloop.org.scoping import scope_for, teams_visible_to

from . import permissions, queue_nav, saved_views, selectors
from .actions import QUEUE_ACTIONS
from .filters import QUEUE_SORTS
from .forms import BulkAssignForm, team_people
from .presenters import queue_rows

# The most pressing cases first, a page at a time: a queue is worked from the top, and filters narrow it.
QUEUE_PAGE = 25
# Far beyond any queue; a larger page number is a bad request, not an OFFSET PostgreSQL cannot take.
MAX_QUEUE_PAGE = 100_000
# The columns a heading sorts by (the rest of the whitelist is in the "Sort by" select).
SORT_COLUMNS = ("due", "priority", "value", "status", "owner")


class ClaimForm(ActionForm):
    """The queue row's Claim button: the case it is on, among those the person may see."""

    case: forms.ModelChoiceField = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args: Any, cases: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases  # type: ignore[attr-defined]


def _page_number(query: QueryDict) -> int:
    raw = query.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_QUEUE_PAGE:
        raise BadRequest(f"page must be a whole number from 1 to {MAX_QUEUE_PAGE:,}.")
    return int(raw)


def _headings(query: QueryDict, sort: str) -> dict[str, dict[str, str]]:
    """Per sortable column: the link that sorts by it (the other way round when it is the sort
    already), and its aria-sort value. Filters are kept; the page goes back to the first."""
    headings = {}
    for column in SORT_COLUMNS:
        current = sort.lstrip("-") == column or (column == "due" and not sort)
        descending = sort == f"-{column}"
        link = query.copy()
        link.pop("page", None)
        link["sort"] = column if (descending or not current) else f"-{column}"
        headings[column] = {
            "href": "?" + link.urlencode(),
            "aria_sort": ("descending" if descending else "ascending") if current else "",
        }
    return headings


def queue_context(request: HttpRequest, query: QueryDict, **extra: Any) -> dict[str, Any]:
    user = request.user
    can_claim = permissions.can_claim_cases(user)
    scope = scope_for(user)
    # The people of the teams the person sees name the assignee filter's choices; those of their own
    # teams are whom they may assign to. For an agent or a lead the two are the same (one query).
    colleagues = list(team_people(scope.team_ids)) if can_claim else []
    sees_more = scope.sees_everything or bool(scope.department_ids) or not can_claim
    visible = list(team_people(teams_visible_to(user=user))) if sees_more else colleagues
    named = [(person.username, person_name(person)) for person in visible]
    filterset, cases = selectors.case_queue(user=user, filters=query, people=named)
    page = _page_number(query)
    # One row more than a page says whether there is a next page, without counting them all.
    found = selectors.queue_page(cases, offset=(page - 1) * QUEUE_PAGE, size=QUEUE_PAGE + 1)
    page_cases = found[:QUEUE_PAGE]
    rows = queue_rows(page_cases, user=user)
    kept = query.copy()
    kept.pop("focus", None)
    back = kept.urlencode()  # where an action comes back to: this page, as it is
    kept.pop("page", None)
    current = queue_nav.clean_query(kept.urlencode(), keep_page=False)
    chosen = QueryDict(current)  # the filters and sort in force, without the empty ones
    views = list(saved_views.saved_views_of(user=user))
    sort = filterset.form.cleaned_data.get("sort", "") if filterset.is_bound and filterset.is_valid() else ""
    return {
        "cases": page_cases,
        "rows": rows,
        "page": page,
        "first": (page - 1) * QUEUE_PAGE + 1,
        "last": (page - 1) * QUEUE_PAGE + len(page_cases),
        "has_next": len(found) > QUEUE_PAGE,
        "query": kept.urlencode(),
        "back": back,
        "shown": ",".join(str(row.pk) for row in rows),
        "focus": queue_nav.focus_target(query.get("focus", ""), [row.pk for row in rows]),
        "headings": _headings(kept, sort),
        "sort_label": dict(QUEUE_SORTS).get(sort, ""),
        "my_cases": chosen.get("assignee") == "me" and set(chosen) <= {"assignee", "sort"},
        "team_queue": not set(chosen) - {"sort"},
        "filter_form": filterset.form,
        "counts": selectors.queue_counts(user=user),
        "can_claim": can_claim,
        "people": colleagues,
        "saved_views": views,
        # The saved view the page is now, if one is: its link is the current one, not a tab's.
        "current_view": next((view.pk for view in views if view.query == current), None),
        "save_form": extra.pop("save_form", None) or saved_views.SavedViewNameForm(),
        **extra,
    }


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The team's case queue (or My cases): filters, sort, counts that refresh, claim, bulk assignment."""
    return TemplateResponse(request, "innerloop/queue.html", queue_context(request, request.GET))


@require_GET
def queue_counts(request: HttpRequest) -> HttpResponse:
    """Just the counts, for htmx to refresh without a reload."""
    counts = selectors.queue_counts(user=request.user)
    return TemplateResponse(request, "innerloop/queue.html#counts", {"counts": counts})


def _back(request: HttpRequest) -> str:
    return queue_nav.clean_query(request.POST.get("back", ""))


@require_POST
def claim_next(request: HttpRequest) -> HttpResponse:
    """Take the most urgent unassigned case of the user's teams (the queue's "claim-next" action)."""
    done = action_run_form(QUEUE_ACTIONS["claim-next"], user=request.user, target=None, form=None)
    if done is None or done.result is None:
        messages.info(request, _("Nothing to claim: every open case of your team has someone on it."))
        return redirect(queue_nav.queue_url(_back(request), focus=queue_nav.CLAIM_NEXT))
    return redirect("innerloop:case", pk=done.result.pk)


@require_POST
def claim(request: HttpRequest) -> HttpResponse:
    """Take the case of one row (its Claim button), and come back to that row."""
    form = ClaimForm(request.POST, cases=selectors.cases_visible_to(user=request.user))
    done = action_run_form(QUEUE_ACTIONS["claim"], user=request.user, target=None, form=form)
    if done is None:
        for error in form.errors.values():
            messages.error(request, " ".join(str(text) for text in error))
    else:
        messages.success(request, done.message)
    chosen = [done.result.pk] if done is not None else []
    return redirect(queue_nav.queue_url(_back(request), focus=queue_nav.focus_order(request.POST, chosen)))


@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """Assign the chosen cases to someone on the team (the queue's "assign" action)."""
    visible = selectors.cases_visible_to(user=request.user)
    form = BulkAssignForm(request.POST, cases=visible, people=team_people(scope_for(request.user).team_ids))
    done = action_run_form(QUEUE_ACTIONS["assign"], user=request.user, target=None, form=form)
    chosen = [int(pk) for pk in request.POST.getlist("cases") if pk.isdigit() and len(pk) < 19]
    back = queue_nav.queue_url(_back(request), focus=queue_nav.focus_order(request.POST, chosen))
    if done is None:
        messages.error(request, _("Choose cases and someone on the team."))
        return redirect(back)
    for refusal in done.result[1]:
        messages.error(request, refusal)
    messages.success(request, done.message)
    return redirect(back)
