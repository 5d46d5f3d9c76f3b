"""The case action table: every action on a case (and on the queue), declared once.

Each entry names its input (a DRF serializer: the one place the input is validated), its
permission predicate (innerloop.permissions), the service it calls and what the page says when
it worked. The case page's forms (innerloop.forms) only render and parse the HTML encoding; the
HTML view (innerloop.views.case_action) and the API endpoints (innerloop.apis, one generated per
entry of API_ROUTES) both run these entries, so they accept and refuse the same input.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_lazy, ngettext
from rest_framework import serializers

from cxloop.core.actions import Action, ActionTable, anyone
from cxloop.core.api import StringField, WholeNumberField
from cxloop.org.scoping import scope_for, scope_queryset
from feedback.models import Category

from . import permissions
from .both_sides import DispositionClearInput, DispositionInput, EmployeeAccountInput
from .message_templates import BODY_MAX, SUBJECT_MAX, text_gaps
from .models import Case, CaseStatus, ContactAttempt, MessageTemplate
from .services import both_sides as both_sides_services
from .services import cases as services
from .services import claim as claim_services

# --- Inputs -----------------------------------------------------------------------------------------


class VersionedInput(serializers.Serializer):
    version = WholeNumberField(
        required=False, help_text=gettext_lazy("The version you last saw; a stale one is refused with 409.")
    )


class CaseLogContactInput(VersionedInput):
    channel = serializers.ChoiceField(choices=ContactAttempt.Channel.choices)
    outcome = serializers.ChoiceField(choices=ContactAttempt.Outcome.choices)
    promised = StringField(required=False, allow_blank=True, default="")
    next_step = StringField(required=False, allow_blank=True, default="", max_length=500)


class CaseMessageInput(VersionedInput):
    # A slug: the version in the customer's language is chosen for the case (innerloop.message_templates).
    template = serializers.SlugField()
    subject = StringField(required=False, allow_blank=True, default="", max_length=SUBJECT_MAX)
    body = StringField(required=False, allow_blank=True, default="", max_length=BODY_MAX)

    def validate_template(self, value: str) -> str:
        if not MessageTemplate.objects.filter(slug=value, active=True).exists():
            raise serializers.ValidationError(gettext("No active template has this slug."))
        return value

    def _complete(self, value: str) -> str:
        gaps = text_gaps(value)
        if gaps:
            raise serializers.ValidationError(
                gettext("Fill in or remove %(gaps)s before sending.")
                % {"gaps": ", ".join(dict.fromkeys(gaps))}
            )
        return value

    validate_subject = validate_body = _complete


class CaseResolveInput(VersionedInput):
    root_cause = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.filter(retired_at__isnull=True)
    )
    resolution_note = StringField()
    recovery_score = WholeNumberField(required=False, allow_null=True, min_value=0, max_value=10)


class CaseReopenInput(VersionedInput):
    reason = StringField(max_length=500)


# The statuses a person moves a case between by hand; resolve, reopen and close have their own actions.
MANUAL_STATUSES = [
    (CaseStatus.WAITING_ON_CUSTOMER, CaseStatus.WAITING_ON_CUSTOMER.label),
    (CaseStatus.IN_PROGRESS, CaseStatus.IN_PROGRESS.label),
]


class CaseStatusInput(VersionedInput):
    to_status = serializers.ChoiceField(choices=MANUAL_STATUSES)
    note = StringField(required=False, allow_blank=True, default="", max_length=500)


class CaseNoteInput(serializers.Serializer):
    text = StringField(max_length=5000)


def team_people(team_ids: Any) -> QuerySet[Any]:
    """The people on these teams: whom a queue's cases may be assigned to."""
    return get_user_model().objects.filter(memberships__team__in=team_ids).distinct().order_by("username")


class _VisibleCases(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> QuerySet[Case]:
        return scope_queryset(Case.objects.all(), self.context["user"])


class _TeamPeople(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> QuerySet[Any]:
        return team_people(scope_for(self.context["user"]).team_ids)


class CaseClaimInput(serializers.Serializer):
    case = _VisibleCases()


class BulkAssignInput(serializers.Serializer):
    cases = _VisibleCases(many=True)
    assignee = _TeamPeople(allow_null=True, required=False, default=None)


# --- The case table ---------------------------------------------------------------------------------


def _v(data: dict[str, Any]) -> int | None:
    version: int | None = data.get("version")
    return version


def _done(text: Any) -> Any:
    """The page's words once it worked, in the person's language (`text` is a lazy translation)."""
    return lambda result, data: str(text)


CASE_ACTIONS: ActionTable[Case] = ActionTable(
    Action(
        name="contact",
        input=CaseLogContactInput,
        perform=lambda user, case, data: services.case_log_contact(
            case=case, actor=user, channel=data["channel"], outcome=data["outcome"],
            promised=data["promised"], next_step=data["next_step"], expected_version=_v(data),
        ),
        message=_done(gettext_lazy("Contact logged.")),
        allowed=permissions.can_contact_case,
    ),
    Action(
        name="message",
        input=CaseMessageInput,
        perform=lambda user, case, data: services.case_message_customer(
            case=case, actor=user, template=data["template"], subject=data["subject"], body=data["body"],
            expected_version=_v(data),
        ),
        message=_done(gettext_lazy("Message sent to the customer.")),
        allowed=permissions.can_message_case,
    ),
    Action(
        name="resolve",
        input=CaseResolveInput,
        perform=lambda user, case, data: services.case_resolve(
            case=case, actor=user, root_cause=data["root_cause"], resolution_note=data["resolution_note"],
            recovery_score=data.get("recovery_score"), expected_version=_v(data),
        ),
        message=_done(gettext_lazy("Case resolved.")),
        allowed=permissions.can_resolve_case,
    ),
    Action(
        name="status",
        input=CaseStatusInput,
        perform=lambda user, case, data: services.case_transition(
            case=case, to_status=data["to_status"], actor=user, note=data["note"], expected_version=_v(data)
        ),
        message=_done(gettext_lazy("Status changed.")),
        allowed=permissions.can_change_case_status,
    ),
    Action(
        name="reopen",
        input=CaseReopenInput,
        perform=lambda user, case, data: services.case_reopen(
            case=case, actor=user, reason=data["reason"], expected_version=_v(data)
        ),
        message=_done(gettext_lazy("Case reopened.")),
        allowed=permissions.can_reopen_case,
    ),
    Action(
        name="close",
        input=VersionedInput,
        perform=lambda user, case, data: services.case_close(
            case=case, actor=user, expected_version=_v(data)
        ),
        message=_done(gettext_lazy("Case closed: loop closed.")),
        allowed=permissions.can_close_case,
    ),
    Action(
        name="do-not-contact",
        input=None,
        perform=lambda user, case, data: services.case_customer_do_not_contact_set(
            case=case, actor=user, do_not_contact=True
        ),
        message=_done(gettext_lazy("Marked do not contact: nobody will write to or call this customer.")),
        allowed=permissions.can_mark_do_not_contact,
    ),
    Action(
        name="allow-contact",
        input=None,
        perform=lambda user, case, data: services.case_customer_do_not_contact_set(
            case=case, actor=user, do_not_contact=False
        ),
        message=_done(gettext_lazy("Do not contact removed: the customer may be contacted again.")),
        allowed=permissions.can_allow_contact,
        denied="Only a person who manages customers may lift do not contact.",
    ),
    Action(
        name="note",
        input=CaseNoteInput,
        perform=lambda user, case, data: services.case_add_note(case=case, actor=user, text=data["text"]),
        message=_done(gettext_lazy("Note added.")),
        allowed=permissions.can_note_case,
    ),
    # Both sides of the story (innerloop.both_sides).
    Action(
        name="employee-account",
        input=EmployeeAccountInput,
        perform=lambda user, case, data: both_sides_services.case_employee_account_record(
            case=case, actor=user, account=data["account"], expected_version=_v(data)
        ),
        message=_done(gettext_lazy("The employee's account is recorded beside the customer's.")),
        allowed=permissions.can_record_employee_account,
        denied=gettext_lazy("Only people on the case's team record the employee's account."),
    ),
    Action(
        name="disposition",
        input=DispositionInput,
        perform=lambda user, case, data: both_sides_services.case_disposition_set(
            case=case, actor=user, disposition=data["disposition"], justification=data["justification"],
            expected_version=_v(data),
        ),
        message=_done(gettext_lazy("Marked “customer not a fit”: no longer evidence for a change.")),
        allowed=permissions.can_set_disposition,
        denied=gettext_lazy("Only the team's lead or the department's manager judges a customer not a fit."),
    ),
    Action(
        name="disposition-clear",
        input=DispositionClearInput,
        perform=lambda user, case, data: both_sides_services.case_disposition_clear(
            case=case, actor=user, reason=data["reason"], expected_version=_v(data)
        ),
        message=_done(gettext_lazy("“Customer not a fit” cleared: the case counts as evidence again.")),
        allowed=permissions.can_clear_disposition,
        denied=gettext_lazy("Only the team's lead or the department's manager clears “customer not a fit”."),
    ),
)  # fmt: skip


def _assign_all(user: Any, data: dict[str, Any]) -> tuple[int, list[str]]:
    """Assign each chosen case; a refusal for one case does not stop the others."""
    from cxloop.core.exceptions import ApplicationError

    done, refused = 0, []
    for case in data["cases"]:
        try:
            services.case_assign(case=case, assignee=data["assignee"], actor=user)
            done += 1
        except ApplicationError as error:
            refused.append(gettext("Case %(case)s: %(reason)s") % {"case": case.pk, "reason": error.message})
    return done, refused


# Actions on a team's queue rather than one case (the target is None).
QUEUE_ACTIONS: ActionTable[None] = ActionTable(
    Action(
        name="claim-next",
        input=None,
        perform=lambda user, _, data: services.case_claim_next(
            team_ids=permissions.claimable_team_ids(user), user=user
        ),
        message=_done(gettext_lazy("Claimed.")),
        allowed=anyone,  # with no team, there is nothing to claim (and the API admits team roles only)
    ),
    Action(
        name="claim",
        input=CaseClaimInput,
        perform=lambda user, _, data: claim_services.case_claim(case=data["case"], user=user),
        message=lambda result, data: gettext("Case %(case)s is yours now.") % {"case": result.pk},
        allowed=lambda user, _: permissions.can_claim_cases(user),
        denied="Only people on a team claim cases.",
        api=False,  # the queue page's Claim button on a row; the API claims with claim-next
    ),
    Action(
        name="assign",
        input=BulkAssignInput,
        perform=lambda user, _, data: _assign_all(user, data),
        message=lambda result, data: (
            ngettext("%(count)d case assigned.", "%(count)d cases assigned.", result[0])
            % {"count": result[0]}
        ),
        # People on a team, within the cases they see, to people on their teams (the input's scope).
        allowed=lambda user, _: permissions.can_assign_cases(user),
        denied=gettext_lazy("Only people on a team assign cases."),
        api=False,  # the queue page's bulk assignment; the API has no equivalent today
    ),
)


# --- Where the API offers them --------------------------------------------------------------------


@dataclass(frozen=True)
class ApiRoute:
    """An API endpoint generated for a table entry: its path segment, URL name, view class name,
    description, and when it is refused with 409 (None: never)."""

    path: str
    url_name: str
    view_name: str
    doc: str
    refused: str | None


STALE = "or `version` is not the case's version (someone changed it since)"

CASE_API_ROUTES: dict[str, ApiRoute] = {
    "contact": ApiRoute(
        "log-contact", "case-log-contact", "CaseLogContactApi",
        "Record an attempt to reach the customer; reaching them starts the resolution clock.",
        f"the case is not open (reopen it first), the customer asked not to be contacted, {STALE}",
    ),
    "message": ApiRoute(
        "message", "case-message", "CaseMessageApi",
        "Email the customer from a message template (the version in the language of their feedback, else "
        "the one for any language): `subject` and `body` are sent as given, or the template's text filled in "
        "when left out; a text with a gap in brackets or a placeholder left (`[customer name]`, "
        "`{customer_name}`) is refused.",
        f"the customer has no email address on file or asked not to be contacted, {STALE}",
    ),
    "resolve": ApiRoute(
        "resolve", "case-resolve", "CaseResolveApi",
        "Resolve with a root cause and a note; a recovery score below 7 reopens the case at once.",
        f"the case cannot be resolved from its status, {STALE}",
    ),
    "reopen": ApiRoute(
        "reopen", "case-reopen", "CaseReopenApi", "Reopen a resolved or closed case, saying why.",
        f"the case is neither resolved nor closed, {STALE}",
    ),
    "status": ApiRoute(
        "status", "case-status", "CaseStatusApi",
        "Wait on the customer (the SLA clock pauses) or go back to work on it (the clock runs again).",
        f"the case cannot go from its status to `to_status`, {STALE}",
    ),
    "close": ApiRoute(
        "close", "case-close", "CaseCloseApi",
        "Close a resolved case: the customer has been told, nothing more to do.",
        f"the case is not resolved, {STALE}",
    ),
    "do-not-contact": ApiRoute(
        "do-not-contact", "case-do-not-contact", "CaseDoNotContactApi",
        "Mark the case's customer do not contact: no message of any kind goes to them from now on.",
        "the case has no customer record",
    ),
    "allow-contact": ApiRoute(
        "allow-contact", "case-allow-contact", "CaseAllowContactApi",
        "Lift do not contact from the case's customer (needs the manage customers permission).",
        "the case has no customer record",
    ),
    "note": ApiRoute(
        "note", "case-note", "CaseNoteApi", "Add a note to the case's timeline (no change of status).", None
    ),
    "employee-account": ApiRoute(
        "employee-account", "case-employee-account", "CaseEmployeeAccountApi",
        "Record (or replace) the employee's account of what happened, shown beside the customer's "
        "(people on the case's team).",
        f"the case's personal data was erased, {STALE}",
    ),
    "disposition": ApiRoute(
        "disposition", "case-disposition", "CaseDispositionApi",
        "Judge the customer not a fit (`customer_wrong` or `unprofitable`) with a `justification` "
        "(required): the case is then left out of signal detection and impact reviews (the case's team "
        "lead or its department's manager).",
        f"the case's personal data was erased, {STALE}",
    ),
    "disposition-clear": ApiRoute(
        "disposition-clear", "case-disposition-clear", "CaseDispositionClearApi",
        "Clear “customer not a fit”, saying why (`reason`): the case counts as evidence again.",
        f"the case is not marked not a fit, its personal data was erased, {STALE}",
    ),
}  # fmt: skip
