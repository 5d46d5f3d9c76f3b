"""The outer loop's action tables: every action on a signal, an initiative or a milestone, declared once.

Each entry: its input (a DRF serializer; the page's form wraps it), its permission predicate, the
service it calls and the page's success message. The signal page and the signal API, the initiative
page and the initiative API all run these (cxloop.core.actions); `html`/`api` say where each is
offered today. Visibility (a 404 for a signal or initiative one may not see) is the selectors'.
"""

from typing import Any

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cxloop.core.actions import Action, ActionTable
from cxloop.core.api import StringField, WholeNumberField
from cxloop.org.models import Department
from feedback.models import Touchpoint

from . import permissions, selectors
from .forms import staff_who_own_initiatives
from .loop_message import other_languages
from .models import Initiative, Milestone, Signal, Stage
from .services import close_loop, impact, initiatives, signals

# --- inputs --------------------------------------------------------------------------------------


class SignalDismissInput(serializers.Serializer):
    reason = StringField(max_length=2000)


class SignalMergeInput(serializers.Serializer):
    into = WholeNumberField(
        help_text=_("The id of the signal that carries on: another one you may see (404 if not).")
    )


class SignalPromoteInput(serializers.Serializer):
    title = StringField(max_length=200)
    problem = StringField()
    # Only people who may be accountable for an initiative (never an integration's service user).
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=staff_who_own_initiatives(), help_text="username"
    )
    departments = serializers.SlugRelatedField(
        slug_field="slug", queryset=Department.objects.all(), many=True, required=False
    )
    target_metric = StringField(max_length=200, required=False, default="", allow_blank=True)
    target_touchpoint = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Touchpoint.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )


class InitiativeTransitionInput(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    note = StringField(required=False, default="", allow_blank=True, max_length=500)


class MilestoneInput(serializers.Serializer):
    title = StringField(max_length=200)
    due_on = serializers.DateField()


class CommentInput(serializers.Serializer):
    text = StringField()


class TellCustomersInput(serializers.Serializer):
    subject = StringField(max_length=200)
    what_changed = StringField()
    # The words for customers who get the email in Portuguese (required only when some do).
    subject_pt = StringField(max_length=200, required=False, default="", allow_blank=True)
    what_changed_pt = StringField(required=False, default="", allow_blank=True)


class InitiativeEditInput(serializers.Serializer):
    priority_score = serializers.FloatField(min_value=0)
    target_metric = StringField(max_length=200, required=False, default="", allow_blank=True)
    what_changed = StringField(required=False, default="", allow_blank=True)


# --- signals -------------------------------------------------------------------------------------


def _dismiss(user: Any, signal: Signal, data: dict[str, Any]) -> Signal:
    return signals.signal_dismiss(signal=signal, actor=user, reason=data["reason"])


def _merge(user: Any, signal: Signal, data: dict[str, Any]) -> Signal:
    into = selectors.signal_get(user=user, signal_id=data["into"])
    return signals.signal_merge(signal=signal, into=into, actor=user)


def _promote(user: Any, signal: Signal, data: dict[str, Any]) -> Initiative:
    return initiatives.initiative_create_from_signals(signals=[signal], actor=user, **data)


SIGNAL_ACTIONS: ActionTable[Signal] = ActionTable(
    Action(
        name="dismiss",
        input=SignalDismissInput,
        perform=_dismiss,
        message=lambda signal, data: _("Signal dismissed."),
        allowed=permissions.can_triage_signal,
    ),
    Action(
        name="merge",
        input=SignalMergeInput,
        perform=_merge,
        message=lambda signal, data: _("Signal merged."),
        allowed=permissions.can_triage_signal,
    ),
    Action(
        name="promote",
        input=SignalPromoteInput,
        perform=_promote,
        message=lambda initiative, data: _("Initiative proposed: it waits for the committee's decision."),
        allowed=permissions.can_promote_signal,
    ),
)


# --- initiatives ---------------------------------------------------------------------------------


def _transition(user: Any, initiative: Initiative, data: dict[str, Any]) -> Initiative:
    return initiatives.initiative_transition(
        initiative=initiative, to_stage=data["stage"], actor=user, note=data["note"]
    )


def _milestone(user: Any, initiative: Initiative, data: dict[str, Any]) -> Milestone:
    return initiatives.milestone_add(
        initiative=initiative, actor=user, title=data["title"], due_on=data["due_on"]
    )


def _comment(user: Any, initiative: Initiative, data: dict[str, Any]) -> Any:
    return initiatives.initiative_comment_add(initiative=initiative, author=user, text=data["text"])


def _edit(user: Any, initiative: Initiative, data: dict[str, Any]) -> Initiative:
    return initiatives.initiative_update(initiative=initiative, actor=user, **data)


def _review(user: Any, initiative: Initiative, data: dict[str, Any]) -> Any:
    return impact.impact_review_compute(initiative=initiative)


def _tell(user: Any, initiative: Initiative, data: dict[str, Any]) -> dict[str, int]:
    translations = {
        code: (data.pop(f"subject_{code}", ""), data.pop(f"what_changed_{code}", ""))
        for code in other_languages()
    }
    return close_loop.initiative_tell_customers(
        initiative=initiative, actor=user, translations=translations, **data
    )


def _told_message(result: dict[str, int], data: dict[str, Any]) -> str:
    told = result["emails_queued"]
    text = ngettext("Emailed %(count)d customer.", "Emailed %(count)d customers.", told) % {"count": told}
    if result["not_contacted"]:
        text += " " + gettext("%(count)d not told: do not contact.") % {"count": result["not_contacted"]}
    return text


INITIATIVE_ACTIONS: ActionTable[Initiative] = ActionTable(
    # Who moves it is the service's to say (the owner, or an admin standing in): a refusal is the
    # form's error on the page and a 403 naming `actor` from the API, as before the table.
    Action(
        name="stage",
        input=InitiativeTransitionInput,
        perform=_transition,
        message=lambda initiative, data: (
            _("Moved to %(lower)s.") % {"lower": Stage(data["stage"]).label.lower()}
        ),
    ),
    Action(
        name="milestone",
        input=MilestoneInput,
        perform=_milestone,
        message=lambda milestone, data: _("Milestone added."),
        allowed=permissions.can_follow_initiative,
        api=False,
    ),
    Action(
        name="comment",
        input=CommentInput,
        perform=_comment,
        message=lambda comment, data: _("Comment added."),
        allowed=permissions.can_follow_initiative,
        api=False,
    ),
    Action(
        name="edit",
        input=InitiativeEditInput,
        perform=_edit,
        message=lambda initiative, data: _("Initiative updated."),
        allowed=permissions.can_edit_initiative,
        denied=_("Only the owner or the committee edits an initiative."),
        api=False,
    ),
    Action(
        name="review",
        input=None,
        perform=_review,
        message=lambda review, data: _("Impact reviewed: it is on the next committee agenda."),
        allowed=permissions.can_edit_initiative,
        denied=_("Only the owner or the committee asks for an impact review."),
        api=False,
    ),
    # Its page (views.tell_customers) previews the email and asks for confirmation before this runs.
    Action(
        name="tell-customers",
        input=TellCustomersInput,
        perform=_tell,
        message=_told_message,
        allowed=permissions.can_edit_initiative,
        denied=_("Only the initiative's owner or the committee tells its customers."),
        api=False,
    ),
)


# --- milestones ----------------------------------------------------------------------------------


def _milestone_done(user: Any, milestone: Milestone, data: dict[str, Any]) -> Milestone:
    return initiatives.milestone_complete(milestone=milestone, actor=user)


MILESTONE_ACTIONS: ActionTable[Milestone] = ActionTable(
    Action(
        name="done",
        input=None,
        perform=_milestone_done,
        message=lambda milestone, data: "",
        allowed=lambda user, milestone: permissions.can_edit_initiative(user, milestone.initiative),
        denied=_("Only the owner or the committee ticks off milestones."),
        api=False,
    ),
)
