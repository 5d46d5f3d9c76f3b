"""Huddle pages: the team's list, one huddle (summary and record), and the manager's review board."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST

from cxloop.core.exceptions import ApplicationError
from cxloop.org.models import Role
from cxloop.org.permissions import role_required
from innerloop.models.huddles import Commitment, Obstacle

from . import selectors, services
from .forms import CadenceForm, CommitmentForm, CommitmentStateForm, ObstacleForm, RecordForm, ReviewForm

# Everyone who works with teams opens huddle pages; which huddles they see is scoped by the selectors.
PAGE_ROLES = (Role.AGENT, Role.TEAM_LEAD, Role.MANAGER, Role.COMMITTEE)


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
@role_required(Role.TEAM_LEAD)
def cadence_update(request, team_id: int):
    """The lead sets when the team meets; the next huddle moves with it."""
    team = get_object_or_404(selectors.teams_led_by(user=request.user), pk=team_id)
    form = CadenceForm(request.POST, team=team)
    if not form.is_valid():
        context = _list_context(request, {team.pk: form})
        return TemplateResponse(request, "innerloop/huddles/list.html", context, status=400)
    cadence = services.huddle_cadence_set(team=team, actor=request.user, **form.cleaned_data)
    messages.success(request, f"Saved: {cadence}.")
    return redirect("huddles:list")


def _detail_context(request, huddle, **forms) -> dict:
    members = services.team_members(huddle.team_id)
    can_record = selectors.can_record(user=request.user, huddle=huddle)
    context = {
        "huddle": huddle,
        "summary": huddle.summary,
        "can_record": can_record,
        "can_review": selectors.can_review(user=request.user, huddle=huddle),
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


def _recordable(request, pk: int):
    huddle = selectors.huddle_get(user=request.user, huddle_id=pk)
    if not selectors.can_record(user=request.user, huddle=huddle):
        raise PermissionDenied("Only the team lead records the huddle.")
    return huddle


def _done(request, huddle, form_name: str, form, call, success: str):
    """Validate, call the service, and come back to the huddle (or show the form's errors)."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, success)
            return redirect("huddles:detail", pk=huddle.pk)
    context = _detail_context(request, huddle, **{form_name: form})
    return TemplateResponse(request, "innerloop/huddles/detail.html", context, status=400)


@require_POST
def huddle_prepare(request, pk: int):
    """Build the summary now rather than waiting for the schedule."""
    huddle = _recordable(request, pk)
    services.huddle_prepare(huddle_id=huddle.pk, force=huddle.summary_built_at is not None)
    messages.success(request, "Summary built.")
    return redirect("huddles:detail", pk=huddle.pk)


@require_POST
def huddle_record(request, pk: int):
    huddle = _recordable(request, pk)
    form = RecordForm(request.POST, members=services.team_members(huddle.team_id))
    return _done(request, huddle, "record_form", form, lambda data: services.huddle_record(
        huddle=huddle, actor=request.user, attendees=data["attendees"], notes=data["notes"],
    ), "Huddle recorded.")  # fmt: skip


@require_POST
def commitment_add(request, pk: int):
    huddle = _recordable(request, pk)
    form = CommitmentForm(request.POST, members=services.team_members(huddle.team_id))
    return _done(request, huddle, "commitment_form", form, lambda data: services.commitment_create(
        huddle=huddle, actor=request.user, text=data["text"], owner=data["owner"], due_on=data["due_on"],
    ), "Commitment added.")  # fmt: skip


@require_POST
def commitment_state(request, pk: int, commitment_id: int):
    huddle = _recordable(request, pk)
    commitment = get_object_or_404(Commitment, pk=commitment_id, team_id=huddle.team_id)
    form = CommitmentStateForm(request.POST)
    if form.is_valid():
        services.commitment_set_state(
            commitment=commitment, actor=request.user, state=form.cleaned_data["state"]
        )
        messages.success(request, "Commitment updated.")
    return redirect("huddles:detail", pk=huddle.pk)


@require_POST
def obstacle_add(request, pk: int):
    huddle = _recordable(request, pk)
    form = ObstacleForm(request.POST)
    return _done(request, huddle, "obstacle_form", form, lambda data: services.obstacle_create(
        huddle=huddle, actor=request.user, text=data["text"], escalate=data["escalate"],
    ), "Obstacle recorded.")  # fmt: skip


@require_POST
def obstacle_escalate(request, pk: int, obstacle_id: int):
    huddle = _recordable(request, pk)
    obstacle = get_object_or_404(Obstacle, pk=obstacle_id, huddle=huddle)
    services.obstacle_escalate(obstacle=obstacle, actor=request.user)
    messages.success(request, "Obstacle escalated.")
    return redirect("huddles:detail", pk=huddle.pk)


@require_GET
@role_required(Role.MANAGER, Role.COMMITTEE)
def review(request):
    """The manager's board: each team's last huddle, open and overdue commitments, escalations waiting."""
    board = selectors.review_board(user=request.user)
    return TemplateResponse(request, "innerloop/huddles/review.html", {"board": board, "form": ReviewForm()})


@require_POST
@role_required(Role.MANAGER, Role.COMMITTEE)
def huddle_review(request, pk: int):
    """Mark a huddle's summary reviewed, with a comment; back to where the manager came from."""
    huddle = selectors.huddle_get(user=request.user, huddle_id=pk)
    if not selectors.can_review(user=request.user, huddle=huddle):
        raise PermissionDenied("Only the department's manager reviews its huddles.")
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.huddle_review(huddle=huddle, reviewer=request.user, comment=form.cleaned_data["comment"])
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{huddle.team.name}: huddle marked reviewed.")
    if request.POST.get("next") == "detail":
        return redirect("huddles:detail", pk=huddle.pk)
    return redirect("huddles:review")
