"""Governance's action tables: every action on a meeting, a decision or the committee, declared once.

Each entry: its input (a DRF serializer; the meeting page's form wraps it), its permission
predicate, the service it calls and the page's success message. The committee pages and the
decisions API both run these (cxloop.core.actions); `html`/`api` say where each is offered today.
Whose seat votes, and who names a seat's proxy, is the services' to refuse (with the seat named).
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cxloop.core.actions import Action, ActionTable
from cxloop.core.api import StringField, WholeNumberField
from cxloop.org.models import Department
from outerloop import selectors as outer
from outerloop.forms import staff_who_own_initiatives
from outerloop.models import ForecastMetric

from . import permissions, services
from .models import Committee, CommitteeSeat, Decision, Meeting, MeetingProxy, Outcome, Vote, person_name

# --- inputs --------------------------------------------------------------------------------------


class DecisionOpenInput(serializers.Serializer):
    meeting = serializers.PrimaryKeyRelatedField(
        pk_field=WholeNumberField(),
        queryset=Meeting.objects.filter(held_at__isnull=True),
        help_text=_("An upcoming meeting's id."),
    )
    initiative = WholeNumberField(help_text=_("A proposed initiative's id (404 if you may not see it)."))
    rationale = StringField()
    # The forecast that approving records: all three, or none (outerloop.services.forecasts).
    forecast_metric = serializers.ChoiceField(
        choices=ForecastMetric.choices, required=False, allow_blank=True, default=""
    )
    forecast_change = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=-1000, max_value=1000,
        help_text=_("The expected change: NPS points, or mentions per 1,000 feedback (a fall is negative)."),
    )  # fmt: skip
    forecast_by = serializers.DateField(required=False, allow_null=True, default=None)


class DecisionVoteInput(serializers.Serializer):
    seat = serializers.PrimaryKeyRelatedField(
        queryset=CommitteeSeat.objects.all(), pk_field=WholeNumberField()
    )
    choice = serializers.ChoiceField(choices=Outcome.choices)


class ProxyNameInput(serializers.Serializer):
    seat = serializers.PrimaryKeyRelatedField(
        queryset=CommitteeSeat.objects.all(), pk_field=WholeNumberField()
    )
    proxy = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.all(), help_text="username"
    )


class ProxyWithdrawInput(serializers.Serializer):
    seat = serializers.PrimaryKeyRelatedField(
        queryset=CommitteeSeat.objects.all(), pk_field=WholeNumberField()
    )


class DecisionWithdrawInput(serializers.Serializer):
    reason = StringField(max_length=2000)


class ActionItemInput(serializers.Serializer):
    title = StringField(max_length=200)
    owner = serializers.PrimaryKeyRelatedField(queryset=staff_who_own_initiatives())
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True, default=None
    )
    due_on = serializers.DateField()


class MeetingHoldInput(serializers.Serializer):
    notes = StringField(required=False, default="", allow_blank=True)


class MeetingScheduleInput(serializers.Serializer):
    scheduled_for = serializers.DateTimeField()


class SystemReviewInput(serializers.Serializer):
    held_on = serializers.DateField()
    summary = StringField()


# --- a meeting's actions (the meeting page; deciding and proxies in the API too) ------------------


def _decide(user: Any, meeting: Meeting | None, data: dict[str, Any]) -> Decision:
    """The meeting is the input's: the page sends its own, the API names one."""
    initiative = outer.initiative_get(user=user, initiative_id=data["initiative"])
    forecast = {
        "metric": data["forecast_metric"], "change": data["forecast_change"], "by": data["forecast_by"],
    }  # fmt: skip
    return services.decision_open(
        meeting=data["meeting"], initiative=initiative, rationale=data["rationale"], actor=user,
        forecast=forecast,
    )  # fmt: skip


def _proxy(user: Any, meeting: Meeting, data: dict[str, Any]) -> MeetingProxy:
    return services.proxy_name(meeting=meeting, seat=data["seat"], proxy=data["proxy"], actor=user)


def _withdraw(user: Any, meeting: Meeting, data: dict[str, Any]) -> CommitteeSeat:
    services.proxy_withdraw(meeting=meeting, seat=data["seat"], actor=user)
    return data["seat"]


def _action_item(user: Any, meeting: Meeting, data: dict[str, Any]) -> Any:
    return services.action_item_create(meeting=meeting, actor=user, **data)


def _hold(user: Any, meeting: Meeting, data: dict[str, Any]) -> Meeting:
    return services.meeting_hold(meeting=meeting, actor=user, notes=data["notes"])


def _chairs(user: Any, target: object) -> bool:
    return permissions.can_chair(user)


MEETING_ACTIONS: ActionTable[Any] = ActionTable(
    Action(
        name="decide",
        input=DecisionOpenInput,
        perform=_decide,
        message=lambda decision, data: _("Put to the vote."),
        allowed=lambda user, meeting: permissions.can_decide(user),
        denied=_("Only the committee runs the meeting."),
    ),
    Action(
        name="proxy",
        input=ProxyNameInput,
        perform=_proxy,
        message=lambda named, data: (
            _("%(proxy)s casts %(department)s's votes at this meeting.")
            % {"proxy": person_name(named.proxy), "department": named.seat.department}
        ),
    ),
    Action(
        name="withdraw-proxy",
        input=ProxyWithdrawInput,
        perform=_withdraw,
        message=lambda seat, data: (
            _("Proxy withdrawn: %(department)s's votes are yours to cast.") % {"department": seat.department}
        ),
    ),
    Action(
        name="action",
        input=ActionItemInput,
        perform=_action_item,
        message=lambda item, data: _("Action item added."),
        allowed=_chairs,
        denied=_("Only the committee runs the meeting."),
        api=False,
    ),
    Action(
        name="hold",
        input=MeetingHoldInput,
        perform=_hold,
        message=lambda meeting, data: _("Meeting held: its agenda is recorded."),
        allowed=_chairs,
        denied=_("Only the committee runs the meeting."),
        api=False,
    ),
)


# --- a decision's actions (the page posts them to its meeting: /committee/meetings/<pk>/vote/) ----


def _vote(user: Any, decision: Decision, data: dict[str, Any]) -> Vote:
    return services.vote_cast(decision=decision, seat=data["seat"], choice=data["choice"], actor=user)


def _vote_message(vote: Vote, data: dict[str, Any]) -> str:
    done = f"Vote recorded: {vote.log_entry}."
    decision = vote.decision  # the service's row: decided when this vote reached quorum
    if decision.status == Decision.Status.DECIDED:
        return f"{done} Quorum reached: {decision.get_outcome_display().lower()}."
    return done


def _withdraw_decision(user: Any, decision: Decision, data: dict[str, Any]) -> Decision:
    return services.decision_withdraw(decision=decision, actor=user, reason=data["reason"])


DECISION_ACTIONS: ActionTable[Decision] = ActionTable(
    Action(name="vote", input=DecisionVoteInput, perform=_vote, message=_vote_message),
    Action(
        name="withdraw",
        input=DecisionWithdrawInput,
        perform=_withdraw_decision,
        message=lambda decision, data: (
            _("Decision on %(title)s withdrawn: the initiative waits for a decision again.")
            % {"title": decision.initiative.title}
        ),
        allowed=_chairs,
        denied=_("Only the committee withdraws a decision."),
        api=False,
    ),
)


# --- the committee's actions (its home page only) ------------------------------------------------


def _schedule(user: Any, committee: Committee, data: dict[str, Any]) -> Meeting:
    return services.meeting_schedule(committee=committee, scheduled_for=data["scheduled_for"], actor=user)


def _system_review(user: Any, committee: Committee, data: dict[str, Any]) -> Any:
    return services.system_review_record(actor=user, **data)


COMMITTEE_ACTIONS: ActionTable[Committee] = ActionTable(
    Action(
        name="schedule",
        input=MeetingScheduleInput,
        perform=_schedule,
        message=lambda meeting, data: "",
        allowed=_chairs,
        denied=_("Only the committee schedules meetings."),
        api=False,
    ),
    Action(
        name="system-review",
        input=SystemReviewInput,
        perform=_system_review,
        message=lambda review, data: _("System review recorded."),
        allowed=_chairs,
        denied=_("Only the committee records a system review."),
        api=False,
    ),
)
