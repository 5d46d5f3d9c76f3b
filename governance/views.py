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
from .forms import ActionItemForm, DecisionOpenForm, HoldForm, MeetingForm, SystemReviewForm, VoteForm
from .models import Committee, Decision

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


def _meeting_context(request, meeting, **forms):
    seats = selectors.seats(committee=meeting.committee)
    scope = scope_for(request.user)
    if not scope.has_role(Role.COMMITTEE, Role.ADMIN):
        seats = seats.filter(holder=request.user)
    defaults = {
        "decision_form": DecisionOpenForm(),
        "vote_form": VoteForm(seats=seats),
        "action_form": ActionItemForm(),
        "hold_form": HoldForm(),
    }
    defaults.update(forms)
    return {
        "meeting": meeting,
        "agenda": meeting.agenda_snapshot if meeting.held_at else selectors.meeting_agenda(meeting=meeting),
        "decisions": selectors.meeting_decisions(meeting=meeting),
        "action_items": meeting.action_items.select_related("owner", "department"),
        "seat_count": meeting.committee.seats.count(),
        "votes_needed": meeting.committee.votes_needed(seats=meeting.committee.seats.count()),
        "may_chair": scope.has_role(Role.COMMITTEE, Role.ADMIN),
        "may_vote": seats.exists(),
        **defaults,
    }


@require_GET
@role_required(*COMMITTEE_PAGES)
def meeting_detail(request, pk: int):
    meeting = selectors.meeting_get(meeting_id=pk)
    return TemplateResponse(request, "governance/meeting.html", _meeting_context(request, meeting))


@require_POST
@role_required(*COMMITTEE_PAGES)
def meeting_action(request, pk: int, action: str):
    """Open a decision, record a vote, add an action item, or hold the meeting."""
    meeting = selectors.meeting_get(meeting_id=pk)
    context = _meeting_context(request, meeting)
    chair_only = action in ("decide", "action", "hold")
    if chair_only and not context["may_chair"]:
        raise PermissionDenied("Only the committee runs the meeting.")
    if action == "decide":
        form, name = DecisionOpenForm(request.POST), "decision_form"
    elif action == "vote":
        form, name = VoteForm(request.POST, seats=context["vote_form"].fields["seat"].queryset), "vote_form"
    elif action == "action":
        form, name = ActionItemForm(request.POST), "action_form"
    elif action == "hold":
        form, name = HoldForm(request.POST), "hold_form"
    else:
        raise Http404("No such action.")
    if form.is_valid():
        data = form.cleaned_data
        try:
            done = _meeting_act(request, meeting, action, data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, done)
            return redirect("governance:meeting", pk=meeting.pk)
    context[name] = form
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
        services.vote_record(decision=decision, seat=data["seat"], choice=data["choice"], actor=user)
        decision.refresh_from_db()
        if decision.status == Decision.Status.DECIDED:
            return f"Vote recorded. Quorum reached: {decision.get_outcome_display().lower()}."
        return "Vote recorded."
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
