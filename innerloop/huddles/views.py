"""Huddle pages: the team's list, one huddle (summary and record), and the manager's review board."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from cxloop.core.actions import action_run_form
from cxloop.core.exceptions import ApplicationError
from cxloop.org.permissions import role_required
from innerloop import permissions
from innerloop.models.huddles import Huddle
from innerloop.permissions import CADENCE_ROLES, HUDDLE_PAGE_ROLES, HUDDLE_REVIEW_ROLES

from . import selectors, services
from .actions import CADENCE_ACTIONS, HUDDLE_ACTIONS
from .forms import CadenceForm, CommitmentForm, CommitmentStateForm, ObstacleForm, RecordForm, ReviewForm

# Everyone who works with teams opens huddle pages; which huddles they see is scoped by the selectors.
PAGE_ROLES = HUDDLE_PAGE_ROLES


def _list_context(request, bound: dict | None = None) -> dict:
    """The list page; `bound` holds a submitted cadence form by team id, to show its errors."""
    bound = bound or {}
    cadences = selectors.cadences_of(teams=selectors.teams_led_by(user=request.user))
    return {
        "current": selectors.current_huddle(user=request.user),
        "huddles": selectors.huddle_list(user=request.user),
        "cadences": [
            (
                cadence,
                bound.get(cadence.team_id)
                or CadenceForm(
                    team=cadence.team,
                    initial={
                        "weekday": cadence.weekday,
                        "local_time": cadence.local_time,
                        "every_weeks": cadence.every_weeks,
                        "active": cadence.active,
                    },
                ),
            )
            for cadence in cadences
        ],
    }


@require_GET
@role_required(*PAGE_ROLES)
def huddle_list(request):
    """The team's huddles: this week's first, then the recent ones; for a lead, when the team meets."""
    return TemplateResponse(request, "innerloop/huddles/list.html", _list_context(request))


@require_POST
@role_required(*CADENCE_ROLES)
def cadence_update(request: HttpRequest, team_id: int) -> HttpResponse:
    """The lead sets when the team meets; the next huddle moves with it."""
    team = get_object_or_404(selectors.teams_led_by(user=request.user), pk=team_id)
    form = CadenceForm(request.POST, team=team)
    if not form.is_valid():
        context = _list_context(request, {team.pk: form})
        return TemplateResponse(request, "innerloop/huddles/list.html", context, status=400)
    done = action_run_form(
        CADENCE_ACTIONS["cadence"], user=request.user, target=team, form=None, extra=form.cleaned_data
    )
    messages.success(request, done.message if done else _("Saved."))
    return redirect("huddles:list")


def _detail_context(request, huddle, **forms) -> dict:
    members = services.team_members(huddle.team_id)
    can_record = permissions.can_record_huddle(request.user, huddle)
    context = {
        "huddle": huddle,
        "summary": huddle.summary,
        "can_record": can_record,
        "can_review": permissions.can_review_huddle(request.user, huddle),
        **selectors.huddle_detail(huddle=huddle),
    }
    if can_record:
        context |= {
            "record_form": RecordForm(
                initial={"attendees": context["attendees"], "notes": huddle.notes}, members=members
            ),
            "commitment_form": CommitmentForm(members=members),
            "obstacle_form": ObstacleForm(),
        }
    context["review_form"] = ReviewForm(initial={"comment": huddle.review_comment})
    context.update(forms)
    return context


@require_GET
@role_required(*PAGE_ROLES)
def huddle_detail(request, pk: int):
    huddle = selectors.huddle_get(user=request.user, huddle_id=pk)
    return TemplateResponse(request, "innerloop/huddles/detail.html", _detail_context(request, huddle))


def _run(
    request: HttpRequest, pk: int, name: str, form: forms.Form | None = None, **extra: Any
) -> HttpResponse:
    """Run the entry `name` of HUDDLE_ACTIONS on the huddle: its predicate (403), the page's form
    (a 400 showing its errors), its service; then back to the huddle."""
    huddle = selectors.huddle_get(user=request.user, huddle_id=pk)
    action = HUDDLE_ACTIONS[name]
    action.check(user=request.user, target=huddle)
    if form is not None and not form.is_valid():
        return _refused(request, huddle, name, form)
    data = {**(form.cleaned_data if form is not None else {}), **extra}
    try:
        done = action_run_form(action, user=request.user, target=huddle, form=None, extra=data)
    except ApplicationError as error:
        if form is None:
            raise
        form.add_error(None, error.message)
        return _refused(request, huddle, name, form)
    assert done is not None
    messages.success(request, done.message)
    return redirect("huddles:detail", pk=huddle.pk)


# The context name of each huddle action's form on the page, to show its errors.
FORM_NAMES = {"record": "record_form", "commitment-add": "commitment_form", "obstacle-add": "obstacle_form"}


def _refused(request: HttpRequest, huddle: Huddle, name: str, form: forms.Form) -> HttpResponse:
    if name not in FORM_NAMES:
        return redirect("huddles:detail", pk=huddle.pk)
    context = _detail_context(request, huddle, **{FORM_NAMES[name]: form})
    return TemplateResponse(request, "innerloop/huddles/detail.html", context, status=400)


def _members(pk: int, user: Any) -> Any:
    return services.team_members(selectors.huddle_get(user=user, huddle_id=pk).team_id)


@require_POST
def huddle_prepare(request: HttpRequest, pk: int) -> HttpResponse:
    """Build the summary now rather than waiting for the schedule."""
    return _run(request, pk, "prepare")


@require_POST
def huddle_record(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(request, pk, "record", RecordForm(request.POST, members=_members(pk, request.user)))


@require_POST
def commitment_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(
        request, pk, "commitment-add", CommitmentForm(request.POST, members=_members(pk, request.user))
    )


@require_POST
def commitment_state(request: HttpRequest, pk: int, commitment_id: int) -> HttpResponse:
    return _run(
        request, pk, "commitment-state", CommitmentStateForm(request.POST), commitment_id=commitment_id
    )


@require_POST
def obstacle_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(request, pk, "obstacle-add", ObstacleForm(request.POST))


@require_POST
def obstacle_escalate(request: HttpRequest, pk: int, obstacle_id: int) -> HttpResponse:
    """Escalate an obstacle: one-way, so the page's "I understand" box must come ticked (no script needed)."""
    if request.POST.get("confirm") != "on":
        selectors.huddle_get(user=request.user, huddle_id=pk)  # a 404 for a huddle one may not see
        messages.error(
            request, _("Tick “I understand” to escalate the obstacle: an escalation cannot be taken back.")
        )
        return redirect("huddles:detail", pk=pk)
    return _run(request, pk, "obstacle-escalate", obstacle_id=obstacle_id)


@require_GET
@role_required(*HUDDLE_REVIEW_ROLES)
def review(request: HttpRequest) -> HttpResponse:
    """The manager's board: each team's last huddle, open and overdue commitments, escalations waiting."""
    board = selectors.review_board(user=request.user)
    return TemplateResponse(request, "innerloop/huddles/review.html", {"board": board, "form": ReviewForm()})


@require_POST
@role_required(*HUDDLE_REVIEW_ROLES)
def huddle_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a huddle's summary reviewed, with a comment; back to where the manager came from."""
    huddle = selectors.huddle_get(user=request.user, huddle_id=pk)
    action = HUDDLE_ACTIONS["review"]
    action.check(user=request.user, target=huddle)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            done = action_run_form(
                action, user=request.user, target=huddle, form=None, extra=form.cleaned_data
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, done.message if done else "")
    if request.POST.get("next") == "detail":
        return redirect("huddles:detail", pk=huddle.pk)
    return redirect("huddles:review")
