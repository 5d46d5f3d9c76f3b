"""Signals board, initiative pages and "You said, we did": thin views over the outer loop's action tables.

Every state change goes through outerloop.actions (the same table the API runs): a view finds the
target, renders or binds the action's form, and redirects with the action's message.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cxloop.core.actions import action_run_form
from cxloop.core.exceptions import ApplicationError
from cxloop.core.tasks_util import enqueue
from cxloop.org.models import Role
from cxloop.org.permissions import role_required

from . import loop_message, permissions, selectors
from .actions import INITIATIVE_ACTIONS, MILESTONE_ACTIONS, SIGNAL_ACTIONS
from .filters import InvalidFilter
from .forms import (
    CommentForm,
    DismissForm,
    InitiativeEditForm,
    MergeForm,
    MilestoneForm,
    PromoteForm,
    StageForm,
    TellCustomersForm,
)
from .models import Initiative, Signal, SignalStatus, Stage

OUTER = permissions.OUTER_ROLES


# --- signals ---


@require_GET
@role_required(*OUTER)
def signal_board(request: HttpRequest) -> HttpResponse:
    """Signals to triage, strongest first; other statuses by tab."""
    filter_error, status_code = "", 200
    try:
        board = selectors.signal_board(user=request.user, filters=request.GET)
    except InvalidFilter as error:
        filter_error, status_code = _filter_error(error), 400
        board = selectors.signal_board(user=request.user)
    context = {
        "signals": board[:200],
        "status": request.GET.get("status", SignalStatus.NEW) if not filter_error else SignalStatus.NEW,
        "statuses": SignalStatus.choices,
        "filter_error": filter_error,
        "can_run": permissions.can_run_detection(request.user),
        "last_run": selectors.detection_last_run(),
        "run_missed": selectors.detection_missed(),
    }
    return TemplateResponse(request, "outerloop/signal_board.html", context, status=status_code)


def _filter_error(error: InvalidFilter) -> str:
    return "; ".join(f"{field}: {' '.join(reasons)}" for field, reasons in error.extra.items())


@require_POST
@role_required(Role.COMMITTEE)
def signals_run(request: HttpRequest) -> HttpResponse:
    """Start detection now, on a worker."""
    from .tasks import signals_detect as signals_detect_task

    if enqueue(signals_detect_task):
        messages.success(request, _("Signal detection started; refresh in a minute."))
    else:
        messages.error(request, _("The task queue is unreachable; the nightly run will pick it up."))
    return redirect("outerloop:signals")


def _merge_targets(request: HttpRequest, signal: Signal) -> Any:
    return (
        selectors.signals_visible_to(user=request.user)
        .exclude(pk=signal.pk)
        .exclude(status__in=[SignalStatus.MERGED, SignalStatus.DISMISSED])
    )


def _signal_forms(request: HttpRequest, signal: Signal, data: Any = None) -> dict[str, forms.Form]:
    """The signal page's forms by action, bound to `data` when given."""
    initial = {"title": signal.title, "owner": request.user.pk}
    return {
        "dismiss": DismissForm(data),
        "merge": MergeForm(data, signals=_merge_targets(request, signal)),
        "promote": PromoteForm(data, initial=None if data is not None else initial),
    }


def _signal_context(request: HttpRequest, signal: Signal, **bound: forms.Form) -> dict[str, Any]:
    forms_by_action = {**_signal_forms(request, signal), **bound}
    return {
        "signal": signal,
        "samples": selectors.signal_samples(signal=signal),
        "others": _merge_targets(request, signal),
        **{f"{action}_form": form for action, form in forms_by_action.items()},
    }


@require_GET
@role_required(*OUTER)
def signal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    signal = selectors.signal_get(user=request.user, signal_id=pk)
    return TemplateResponse(request, "outerloop/signal_detail.html", _signal_context(request, signal))


@require_POST
@role_required(*OUTER)
def signal_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Dismiss, merge or promote one signal: the action table's entry, with its page form."""
    signal = selectors.signal_get(user=request.user, signal_id=pk)
    if action not in SIGNAL_ACTIONS.html_names:
        raise Http404("No such action.")
    form = _signal_forms(request, signal, request.POST)[action]
    done = action_run_form(SIGNAL_ACTIONS[action], user=request.user, target=signal, form=form)
    if done is None:
        context = _signal_context(request, signal, **{action: form})
        return TemplateResponse(request, "outerloop/signal_detail.html", context, status=400)
    messages.success(request, done.message)
    if isinstance(done.result, Initiative):
        return redirect("outerloop:initiative", pk=done.result.pk)
    return redirect("outerloop:signals")


# --- initiatives ---


@require_GET
@role_required(*OUTER)
def initiative_list(request: HttpRequest) -> HttpResponse:
    filter_error, status_code = "", 200
    try:
        listed = selectors.initiative_list(user=request.user, filters=request.GET)
    except InvalidFilter as error:
        filter_error, status_code = _filter_error(error), 400
        listed = selectors.initiative_list(user=request.user)
    context = {
        "initiatives": listed,
        "stage": "" if filter_error else request.GET.get("stage", ""),
        "stages": Stage.choices,
        "filter_error": filter_error,
    }
    return TemplateResponse(request, "outerloop/initiative_list.html", context, status=status_code)


def _initiative_forms(initiative: Initiative, data: Any = None) -> dict[str, forms.Form]:
    """The initiative page's forms by action, bound to `data` when given."""
    edit_initial = {
        "priority_score": initiative.priority_score,
        "target_metric": initiative.target_metric,
        "what_changed": initiative.what_changed,
    }
    return {
        "stage": StageForm(data, stages=initiative.next_stages),
        "milestone": MilestoneForm(data),
        "comment": CommentForm(data),
        "edit": InitiativeEditForm(data, initial=None if data is not None else edit_initial),
    }


def _initiative_context(request: HttpRequest, initiative: Initiative, **bound: forms.Form) -> dict[str, Any]:
    forms_by_action = {**_initiative_forms(initiative), **bound}
    evidence = [
        (signal, selectors.signal_samples(signal=signal, limit=3)) for signal in initiative.signals.all()
    ]
    return {
        "initiative": initiative,
        "is_owner": permissions.can_move_initiative(request.user, initiative),
        "may_edit": permissions.can_edit_initiative(request.user, initiative),
        "evidence": evidence,
        "timeline": selectors.initiative_timeline(initiative=initiative),
        "milestones": initiative.milestones.all(),
        "comments": initiative.comments.select_related("author"),
        "reviews": initiative.impact_reviews.all(),
        "told": loop_message.close_loop_told(initiative=initiative),
        **{f"{action}_form": form for action, form in forms_by_action.items()},
    }


@require_GET
@role_required(*OUTER)
def initiative_detail(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = selectors.initiative_get(user=request.user, initiative_id=pk)
    return TemplateResponse(
        request, "outerloop/initiative_detail.html", _initiative_context(request, initiative)
    )


@require_POST
@role_required(*OUTER)
def initiative_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One form on the initiative page: the action table's entry validates and calls its service."""
    initiative = selectors.initiative_get(user=request.user, initiative_id=pk)
    if action not in INITIATIVE_ACTIONS.html_names:
        raise Http404("No such action.")
    entry = INITIATIVE_ACTIONS[action]
    if entry.input is None:
        return _run_formless(request, entry, initiative)
    form = _initiative_forms(initiative, request.POST)[action]
    done = action_run_form(entry, user=request.user, target=initiative, form=form)
    if done is None:
        initiative.refresh_from_db()
        context = _initiative_context(request, initiative, **{action: form})
        return TemplateResponse(request, "outerloop/initiative_detail.html", context, status=400)
    messages.success(request, done.message)
    return redirect("outerloop:initiative", pk=initiative.pk)


def _run_formless(request: HttpRequest, entry: Any, initiative: Initiative) -> HttpResponse:
    """An action without input (the impact review): a refusal is a message, not a form error."""
    try:
        done = action_run_form(entry, user=request.user, target=initiative, form=None)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        assert done is not None, "a form-less action runs or raises"
        messages.success(request, done.message)
    return redirect("outerloop:initiative", pk=initiative.pk)


@require_POST
@role_required(*OUTER)
def milestone_done(request: HttpRequest, pk: int, milestone_id: int) -> HttpResponse:
    initiative = selectors.initiative_get(user=request.user, initiative_id=pk)
    milestone = initiative.milestones.filter(pk=milestone_id).first()
    if milestone is None:
        raise Http404("No such milestone.")
    action_run_form(MILESTONE_ACTIONS["done"], user=request.user, target=milestone, form=None)
    return redirect("outerloop:initiative", pk=pk)


@require_http_methods(["GET", "POST"])
@role_required(*OUTER)
def tell_customers(request: HttpRequest, pk: int) -> HttpResponse:
    """Tell the customers what changed: write it, see the exact email and the count, confirm, send.

    "Preview" posts the words and shows the email one customer gets with the number of recipients;
    nothing is sent until "Send" comes back with the confirmation ticked.
    """
    initiative = selectors.initiative_get(user=request.user, initiative_id=pk)
    entry = INITIATIVE_ACTIONS["tell-customers"]
    entry.check(user=request.user, target=initiative)
    refusal = loop_message.close_loop_refusal(initiative=initiative)
    context: dict[str, Any] = {
        "initiative": initiative,
        "refusal": refusal,
        "told": loop_message.close_loop_told(initiative=initiative),
    }
    # The languages some recipients read besides the organisation's: the form asks for their words.
    languages = set(loop_message.recipient_languages(loop_message.close_loop_recipients(initiative)).values())
    if request.method == "GET" or refusal:
        initial = {
            "subject": loop_message.default_subject(loop_message.default_language()),
            "subject_pt": loop_message.default_subject("pt"),
            "what_changed": initiative.what_changed,
        }
        context["form"] = TellCustomersForm(initial=initial, languages=languages)
        status = 409 if refusal and request.method == "POST" else 200
        return TemplateResponse(request, "outerloop/tell_customers.html", context, status=status)
    sending = "send" in request.POST
    form = TellCustomersForm(request.POST, sending=sending, languages=languages)
    form.is_valid()
    text = {name: form.cleaned_data.get(name, "") for name in ("subject", "what_changed")}
    preview = None
    if all(text.values()):
        try:
            preview = loop_message.close_loop_preview(
                initiative=initiative, translations=form.translations(), **text
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
    if preview is not None and sending and form.is_valid():
        done = action_run_form(entry, user=request.user, target=initiative, form=form)
        if done is not None:
            messages.success(request, done.message)
            return redirect("outerloop:initiative", pk=initiative.pk)
    context.update(form=form, preview=preview)
    status = 200 if form.is_valid() else 400
    return TemplateResponse(request, "outerloop/tell_customers.html", context, status=status)


@require_GET
@login_required
def you_said_we_did(request: HttpRequest) -> HttpResponse:
    """Rolled-out initiatives and what changed, for every member of staff."""
    return TemplateResponse(
        request, "outerloop/you_said_we_did.html", {"initiatives": selectors.initiatives_rolled_out()}
    )
