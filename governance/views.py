"""Committee pages: overview, meeting with its automatic agenda and decisions, accountability."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST

from cxloop.core.exceptions import ApplicationError
from cxloop.org.models import Role
from cxloop.org.permissions import role_required
from cxloop.org.scoping import departments_visible_to, scope_for

from . import selectors, services
from .forms import (
    ActionItemForm,
    DecisionOpenForm,
    HoldForm,
    MeetingForm,
    ProxyForm,
    ProxyWithdrawForm,
    SystemReviewForm,
    VoteForm,
)
from .models import Committee, Decision, person_name

COMMITTEE_PAGES = (Role.COMMITTEE, Role.MANAGER)


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
        "may_chair": scope_for(request.user).has_role(Role.COMMITTEE, Role.ADMIN),
    }
    return TemplateResponse(request, "governance/committee.html", context)


@require_POST
@role_required(Role.COMMITTEE)
def committee_action(request, action: str):
    committee = _committee()
    if action == "schedule":
        form = MeetingForm(request.POST)
        if form.is_valid():
            meeting = services.meeting_schedule(
                committee=committee, scheduled_for=form.cleaned_data["scheduled_for"], actor=request.user
            )
            return redirect("governance:meeting", pk=meeting.pk)
    elif action == "system-review":
        form = SystemReviewForm(request.POST)
        if form.is_valid():
            services.system_review_record(actor=request.user, **form.cleaned_data)
            messages.success(request, "System review recorded.")
            return redirect("governance:committee")
    else:
        raise Http404("No such action.")
    messages.error(request, "Check the form: " + "; ".join(f"{k}: {v[0]}" for k, v in form.errors.items()))
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
    }


def _meeting_context(request, meeting, **bound_forms):
    forms = _meeting_forms(request, meeting)
    seat_count = meeting.committee.seats.count()
    return {
        "meeting": meeting,
        "agenda": selectors.meeting_agenda_for(meeting=meeting, user=request.user),
        "decisions": selectors.meeting_decisions(meeting=meeting, user=request.user),
        "proxies": selectors.meeting_proxies(meeting=meeting),
        "action_items": meeting.action_items.select_related("owner", "department"),
        "seat_count": seat_count,
        "votes_needed": meeting.committee.votes_needed(seats=seat_count),
        "may_chair": scope_for(request.user).has_role(Role.COMMITTEE, Role.ADMIN),
        "may_vote": forms["vote_form"].offers_a_seat,
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


# The meeting's actions: the form each one posts, and whether only the committee (the chair) may post it.
MEETING_ACTIONS = {
    "decide": ("decision_form", True),
    "vote": ("vote_form", False),
    "proxy": ("proxy_form", False),
    "withdraw-proxy": ("withdraw_form", False),
    "action": ("action_form", True),
    "hold": ("hold_form", True),
}


@require_POST
@role_required(*COMMITTEE_PAGES)
def meeting_action(request, pk: int, action: str):
    """Open a decision, cast a vote, name or withdraw a proxy, add an action item, or hold the meeting."""
    meeting = selectors.meeting_get(meeting_id=pk)
    if action not in MEETING_ACTIONS:
        raise Http404("No such action.")
    name, chair_only = MEETING_ACTIONS[action]
    if chair_only and not scope_for(request.user).has_role(Role.COMMITTEE, Role.ADMIN):
        raise PermissionDenied("Only the committee runs the meeting.")
    form = _meeting_forms(request, meeting, request.POST)[name]
    if form.is_valid():
        try:
            done = _meeting_act(request, meeting, action, form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, done)
            return redirect("governance:meeting", pk=meeting.pk)
    context = _meeting_context(request, meeting, **{name: form})
    context["voted_on"] = request.POST.get("decision", "")
    return TemplateResponse(request, "governance/meeting.html", context, status=400)


def _meeting_act(request, meeting, action: str, data: dict) -> str:
    user = request.user
    if action == "decide":
        services.decision_open(
            meeting=meeting, initiative=data["initiative"], rationale=data["rationale"], actor=user
        )
        return "Put to the vote."
    if action == "vote":
        decision = Decision.objects.filter(meeting=meeting, pk=request.POST.get("decision")).first()
        if decision is None:
            raise ApplicationError("Choose a decision of this meeting.")
        vote = services.vote_cast(decision=decision, seat=data["seat"], choice=data["choice"], actor=user)
        decision.refresh_from_db()
        done = f"Vote recorded: {vote.log_entry}."
        if decision.status == Decision.Status.DECIDED:
            return f"{done} Quorum reached: {decision.get_outcome_display().lower()}."
        return done
    if action == "proxy":
        named = services.proxy_name(meeting=meeting, seat=data["seat"], proxy=data["proxy"], actor=user)
        return f"{person_name(named.proxy)} casts {named.seat.department}'s votes at this meeting."
    if action == "withdraw-proxy":
        services.proxy_withdraw(meeting=meeting, seat=data["seat"], actor=user)
        return f"Proxy withdrawn: {data['seat'].department}'s votes are yours to cast."
    if action == "action":
        services.action_item_create(meeting=meeting, actor=user, **data)
        return "Action item added."
    services.meeting_hold(meeting=meeting, actor=user, notes=data["notes"])
    return "Meeting held: its agenda is recorded."


@require_GET
@role_required(*COMMITTEE_PAGES)
def accountability(request):
    """Per department: initiatives on time and overdue, open and overdue actions."""
    rows = selectors.accountability(departments=departments_visible_to(user=request.user))
    return TemplateResponse(request, "governance/accountability.html", {"rows": rows})
