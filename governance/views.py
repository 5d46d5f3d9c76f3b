"""Committee pages: overview, meeting with its automatic agenda and decisions, accountability.

Every state change goes through governance.actions (the tables the decisions API runs too).
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST

from cxloop.core.actions import Action, action_run_form
from cxloop.org.models import Role
from cxloop.org.permissions import role_required
from cxloop.org.scoping import departments_visible_to

from . import permissions, selectors
from .actions import COMMITTEE_ACTIONS, DECISION_ACTIONS, MEETING_ACTIONS
from .forms import (
    ActionItemForm,
    DecisionOpenForm,
    DecisionWithdrawForm,
    HoldForm,
    MeetingForm,
    ProxyForm,
    ProxyWithdrawForm,
    SystemReviewForm,
    VoteForm,
)
from .models import Committee, Decision, Meeting

COMMITTEE_PAGES = permissions.COMMITTEE_PAGES


def _committee() -> Committee:
    committee = selectors.committee_current()
    if committee is None:
        raise Http404("No committee has been set up yet (admin: Governance → Committees).")
    return committee


@require_GET
@role_required(*COMMITTEE_PAGES)
def committee_home(request):
    committee = _committee()
    context = {
        "committee": committee,
        "seats": selectors.seats(committee=committee),
        "meetings": selectors.meetings(committee=committee)[:20],
        "meeting_form": MeetingForm(),
        "review_form": SystemReviewForm(),
        "reminder": selectors.system_review_reminder(),
        "may_chair": permissions.can_chair(request.user),
    }
    return TemplateResponse(request, "governance/committee.html", context)


COMMITTEE_FORMS: dict[str, type[forms.Form]] = {"schedule": MeetingForm, "system-review": SystemReviewForm}


@require_POST
@role_required(Role.COMMITTEE)
def committee_action(request: HttpRequest, action: str) -> HttpResponse:
    """Schedule a meeting or record a system review: the committee table's entry, with its form."""
    committee = _committee()
    if action not in COMMITTEE_ACTIONS.html_names:
        raise Http404("No such action.")
    form = COMMITTEE_FORMS[action](request.POST)
    done = action_run_form(COMMITTEE_ACTIONS[action], user=request.user, target=committee, form=form)
    if done is None:
        messages.error(
            request, "Check the form: " + "; ".join(f"{k}: {v[0]}" for k, v in form.errors.items())
        )
        return redirect("governance:committee")
    if done.message:
        messages.success(request, done.message)
    if isinstance(done.result, Meeting):
        return redirect("governance:meeting", pk=done.result.pk)
    return redirect("governance:committee")


def _meeting_forms(request, meeting, data=None) -> dict:
    """The meeting page's forms, bound to `data` when given."""
    committee_seats = selectors.seats(committee=meeting.committee)
    return {
        "decision_form": DecisionOpenForm(data),
        "vote_form": VoteForm(
            data,
            committee_seats=committee_seats,
            voter_seats=selectors.seats_voted_by(meeting=meeting, user=request.user),
            voter=request.user,
        ),
        "proxy_form": ProxyForm(
            data,
            committee_seats=committee_seats,
            held_seats=committee_seats.filter(holder=request.user),
            candidates=selectors.proxy_candidates().exclude(pk=request.user.pk),
        ),
        "withdraw_form": ProxyWithdrawForm(data, committee_seats=committee_seats),
        "action_form": ActionItemForm(data),
        "hold_form": HoldForm(data),
        "withdraw_decision_form": DecisionWithdrawForm(data),
    }


def _meeting_context(request, meeting, **bound_forms):
    forms = _meeting_forms(request, meeting)
    seat_count = meeting.committee.seats.count()
    return {
        "meeting": meeting,
        "agenda": selectors.meeting_agenda_for(meeting=meeting, user=request.user),
        "decisions": selectors.meeting_decisions(meeting=meeting, user=request.user),
        # Named beside "Record as held": the votes still open carry over to the next meeting.
        "open_decisions": selectors.meeting_decisions(meeting=meeting, user=request.user)
        .filter(status=Decision.Status.OPEN)
        .select_related("initiative"),
        "proxies": selectors.meeting_proxies(meeting=meeting),
        "action_items": meeting.action_items.select_related("owner", "department"),
        "seat_count": seat_count,
        "votes_needed": meeting.committee.votes_needed(seats=seat_count),
        "may_chair": permissions.can_chair(request.user),
        "may_vote": permissions.can_vote_at(request.user, meeting),
        "may_name_proxy": forms["proxy_form"].offers_a_seat,
        # Other open decisions keep an empty vote form when one decision's vote was refused.
        "blank_vote_form": forms["vote_form"],
        **forms,
        **bound_forms,
    }


@require_GET
@role_required(*COMMITTEE_PAGES)
def meeting_detail(request, pk: int):
    meeting = selectors.meeting_get(meeting_id=pk)
    return TemplateResponse(request, "governance/meeting.html", _meeting_context(request, meeting))


# The meeting page's form for each action (its context name).
MEETING_FORMS = {
    "decide": "decision_form",
    "vote": "vote_form",
    "proxy": "proxy_form",
    "withdraw-proxy": "withdraw_form",
    "action": "action_form",
    "hold": "hold_form",
    "withdraw": "withdraw_decision_form",
}


@require_POST
@role_required(*COMMITTEE_PAGES)
def meeting_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Open, vote on or withdraw a decision; name or withdraw a proxy; add an action; hold the meeting."""
    meeting = selectors.meeting_get(meeting_id=pk)
    if action not in MEETING_ACTIONS.html_names | DECISION_ACTIONS.html_names:
        raise Http404("No such action.")
    name = MEETING_FORMS[action]
    if action in DECISION_ACTIONS:
        entry: Action[Any] = DECISION_ACTIONS[action]
        decision_id = request.POST.get("decision")
        target: Any = (
            Decision.objects.filter(meeting=meeting, pk=decision_id).first() if decision_id else None
        )
    else:
        entry, target = MEETING_ACTIONS[action], meeting
    entry.check(user=request.user, target=target)
    form = _meeting_forms(request, meeting, request.POST)[name]
    if target is None:
        form.is_valid()
        form.add_error(None, "Choose a decision of this meeting.")
        done = None
    else:
        done = action_run_form(
            entry, user=request.user, target=target, form=form, extra={"meeting": meeting.pk}
        )
    if done is not None:
        messages.success(request, done.message)
        return redirect("governance:meeting", pk=meeting.pk)
    context = _meeting_context(request, meeting, **{name: form})
    # The decision whose form was refused shows that form, with the reasons.
    context["voted_on" if action == "vote" else "withdrawing"] = request.POST.get("decision", "")
    return TemplateResponse(request, "governance/meeting.html", context, status=400)


@require_GET
@role_required(*COMMITTEE_PAGES)
def accountability(request):
    """Per department: initiatives on time and overdue, open and overdue actions."""
    rows = selectors.accountability(departments=departments_visible_to(user=request.user))
    return TemplateResponse(request, "governance/accountability.html", {"rows": rows})
