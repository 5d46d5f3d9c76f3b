"""Signals board, initiative pages and "You said, we did": thin views over the outer loop's services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST

from cxloop.core.exceptions import ApplicationError
from cxloop.core.tasks_util import enqueue
from cxloop.org.models import Role
from cxloop.org.permissions import role_required
from cxloop.org.scoping import scope_for

from . import selectors
from .forms import (
    CommentForm,
    DismissForm,
    InitiativeEditForm,
    MergeForm,
    MilestoneForm,
    PromoteForm,
    StageForm,
)
from .models import SignalStatus, Stage
from .services import impact, initiatives, signals

OUTER = (Role.MANAGER, Role.COMMITTEE)


# --- signals ---


@require_GET
@role_required(*OUTER)
def signal_board(request):
    """Signals to triage, strongest first; other statuses by tab."""
    status = request.GET.get("status", SignalStatus.NEW)
    if status not in SignalStatus.values:
        status = SignalStatus.NEW
    context = {
        "signals": selectors.signal_board(user=request.user, status=status)[:200],
        "status": status,
        "statuses": SignalStatus.choices,
        "can_run": scope_for(request.user).has_role(Role.COMMITTEE, Role.ADMIN),
        "last_run": selectors.detection_last_run(),
        "run_missed": signals.detection_missed(),
    }
    return TemplateResponse(request, "outerloop/signal_board.html", context)


@require_POST
@role_required(Role.COMMITTEE)
def signals_run(request):
    """Start detection now, on a worker."""
    from .tasks import signals_detect as signals_detect_task

    if enqueue(signals_detect_task):
        messages.success(request, "Signal detection started; refresh in a minute.")
    else:
        messages.error(request, "The task queue is unreachable; the nightly run will pick it up.")
    return redirect("outerloop:signals")


def _signal_context(request, signal, **forms):
    others = (
        selectors.signals_visible_to(user=request.user)
        .exclude(pk=signal.pk)
        .exclude(status__in=[SignalStatus.MERGED, SignalStatus.DISMISSED])
    )
    defaults = {
        "dismiss_form": DismissForm(),
        "merge_form": MergeForm(signals=others),
        "promote_form": PromoteForm(initial={"title": signal.title, "owner": request.user.pk}),
    }
    defaults.update(forms)
    return {
        "signal": signal,
        "samples": selectors.signal_samples(signal=signal),
        "others": others,
        **defaults,
    }


@require_GET
@role_required(*OUTER)
def signal_detail(request, pk: int):
    signal = selectors.signal_get(user=request.user, signal_id=pk)
    return TemplateResponse(request, "outerloop/signal_detail.html", _signal_context(request, signal))


@require_POST
@role_required(*OUTER)
def signal_action(request, pk: int, action: str):
    """Dismiss, merge or promote one signal."""
    signal = selectors.signal_get(user=request.user, signal_id=pk)
    context = _signal_context(request, signal)
    if action == "dismiss":
        form, name = DismissForm(request.POST), "dismiss_form"
    elif action == "merge":
        form, name = MergeForm(request.POST, signals=context["others"]), "merge_form"
    elif action == "promote":
        form, name = PromoteForm(request.POST), "promote_form"
    else:
        raise Http404("No such action.")
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "dismiss":
                signals.signal_dismiss(signal=signal, actor=request.user, reason=data["reason"])
            elif action == "merge":
                signals.signal_merge(signal=signal, into=data["into"], actor=request.user)
            else:
                initiative = initiatives.initiative_create_from_signals(
                    signals=[signal], actor=request.user, owner=data["owner"], title=data["title"],
                    problem=data["problem"], departments=list(data["departments"]),
                    target_metric=data["target_metric"], target_touchpoint=data["target_touchpoint"],
                )  # fmt: skip
                messages.success(request, "Initiative proposed: it waits for the committee's decision.")
                return redirect("outerloop:initiative", pk=initiative.pk)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Signal {'dismissed' if action == 'dismiss' else 'merged'}.")
            return redirect("outerloop:signals")
    context[name] = form
    return TemplateResponse(request, "outerloop/signal_detail.html", context, status=400)


# --- initiatives ---


@require_GET
@role_required(*OUTER)
def initiative_list(request):
    stage = request.GET.get("stage", "")
    context = {
        "initiatives": selectors.initiative_list(
            user=request.user, stage=stage if stage in Stage.values else ""
        ),
        "stage": stage,
        "stages": Stage.choices,
    }
    return TemplateResponse(request, "outerloop/initiative_list.html", context)


def _initiative_context(request, initiative, **forms):
    is_owner = initiatives.may_move(initiative=initiative, user=request.user)
    defaults = {
        "stage_form": StageForm(stages=initiative.next_stages),
        "milestone_form": MilestoneForm(),
        "comment_form": CommentForm(),
        "edit_form": InitiativeEditForm(
            initial={
                "priority_score": initiative.priority_score,
                "target_metric": initiative.target_metric,
                "what_changed": initiative.what_changed,
            }
        ),
    }
    defaults.update(forms)
    evidence = [
        (signal, selectors.signal_samples(signal=signal, limit=3)) for signal in initiative.signals.all()
    ]
    return {
        "initiative": initiative,
        "is_owner": is_owner,
        "may_edit": is_owner or scope_for(request.user).has_role(Role.COMMITTEE, Role.ADMIN),
        "evidence": evidence,
        "timeline": selectors.initiative_timeline(initiative=initiative),
        "milestones": initiative.milestones.all(),
        "comments": initiative.comments.select_related("author"),
        "reviews": initiative.impact_reviews.all(),
        **defaults,
    }


@require_GET
@role_required(*OUTER)
def initiative_detail(request, pk: int):
    initiative = selectors.initiative_get(user=request.user, initiative_id=pk)
    return TemplateResponse(
        request, "outerloop/initiative_detail.html", _initiative_context(request, initiative)
    )


FORMS = {"stage": StageForm, "milestone": MilestoneForm, "comment": CommentForm, "edit": InitiativeEditForm}


def _initiative_act(request, initiative, action: str, data: dict) -> str:
    user = request.user
    if action == "stage":
        initiatives.initiative_transition(
            initiative=initiative, to_stage=data["to_stage"], actor=user, note=data["note"]
        )
        return f"Moved to {Stage(data['to_stage']).label.lower()}."
    if action == "milestone":
        initiatives.milestone_add(
            initiative=initiative, actor=user, title=data["title"], due_on=data["due_on"]
        )
        return "Milestone added."
    if action == "comment":
        initiatives.initiative_comment_add(initiative=initiative, author=user, text=data["text"])
        return "Comment added."
    initiatives.initiative_update(initiative=initiative, actor=user, **data)
    return "Initiative updated."


@require_POST
@role_required(*OUTER)
def initiative_action(request, pk: int, action: str):
    """One form on the initiative page: validate, call its service, come back."""
    initiative = selectors.initiative_get(user=request.user, initiative_id=pk)
    if action == "review":
        return _impact_review_now(request, initiative)
    if action not in FORMS:
        raise Http404("No such action.")
    if action == "edit" and not _may_edit(request, initiative):
        raise PermissionDenied("Only the owner or the committee edits an initiative.")
    form = (
        StageForm(request.POST, stages=initiative.next_stages)
        if action == "stage"
        else FORMS[action](request.POST)
    )
    if form.is_valid():
        try:
            done = _initiative_act(request, initiative, action, form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, done)
            return redirect("outerloop:initiative", pk=initiative.pk)
    initiative.refresh_from_db()
    context = _initiative_context(request, initiative, **{f"{action}_form": form})
    return TemplateResponse(request, "outerloop/initiative_detail.html", context, status=400)


def _may_edit(request, initiative) -> bool:
    return initiatives.may_move(initiative=initiative, user=request.user) or scope_for(request.user).has_role(
        Role.COMMITTEE, Role.ADMIN
    )


def _impact_review_now(request, initiative):
    if not _may_edit(request, initiative):
        raise PermissionDenied("Only the owner or the committee asks for an impact review.")
    try:
        impact.impact_review_compute(initiative=initiative)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Impact reviewed: it is on the next committee agenda.")
    return redirect("outerloop:initiative", pk=initiative.pk)


@require_POST
@role_required(*OUTER)
def milestone_done(request, pk: int, milestone_id: int):
    initiative = selectors.initiative_get(user=request.user, initiative_id=pk)
    milestone = initiative.milestones.filter(pk=milestone_id).first()
    if milestone is None:
        raise Http404("No such milestone.")
    if not _may_edit(request, initiative):
        raise PermissionDenied("Only the owner or the committee ticks off milestones.")
    initiatives.milestone_complete(milestone=milestone, actor=request.user)
    return redirect("outerloop:initiative", pk=pk)


@require_GET
@login_required
def you_said_we_did(request):
    """Rolled-out initiatives and what changed, for every member of staff."""
    return TemplateResponse(
        request, "outerloop/you_said_we_did.html", {"initiatives": selectors.initiatives_rolled_out()}
    )
