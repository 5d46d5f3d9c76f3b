"""How audit rows read on the page and in the CSV: a label per verb, a link per kind of target.

A verb missing here is shown as it is stored; a target without a page of its own links to its
admin page when the admin has one, and to nothing otherwise.
"""

import json
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy

VERB_LABELS = {
    # Signing in
    "auth.login": gettext_lazy("Logged in"),
    "auth.logout": gettext_lazy("Logged out"),
    "auth.login_failed": gettext_lazy("Log-in failed"),
    "sso.login": gettext_lazy("Signed in through single sign-on"),
    "sso.refused": gettext_lazy("Single sign-on refused"),
    "sso.memberships_synced": gettext_lazy("Roles set from single sign-on groups"),
    "mfa.enrolled": gettext_lazy("Set up a second factor"),
    "mfa.used": gettext_lazy("Used a second factor"),
    "mfa.recovery_code_used": gettext_lazy("Used a recovery code"),
    "mfa.failed": gettext_lazy("Second factor failed"),
    "mfa.removed": gettext_lazy("Removed a second factor"),
    "mfa.reset": gettext_lazy("Reset a person's second factors"),
    "mfa.recovery_codes_generated": gettext_lazy("Generated recovery codes"),
    # Who looked at what
    "customer.viewed": gettext_lazy("Viewed a customer"),
    "case.viewed": gettext_lazy("Viewed a case"),
    "feedback.viewed": gettext_lazy("Viewed a feedback item"),
    # Downloads
    "dashboard.exported": gettext_lazy("Exported a dashboard table"),
    "import_errors.exported": gettext_lazy("Exported an import's error report"),
    "audit.exported": gettext_lazy("Exported the audit log"),
    # Configuration (the admin)
    "rule.created": gettext_lazy("Created a triage rule"),
    "rule.changed": gettext_lazy("Changed a triage rule"),
    "rule.deleted": gettext_lazy("Deleted a triage rule"),
    "sla.created": gettext_lazy("Created an SLA policy"),
    "sla.changed": gettext_lazy("Changed an SLA policy"),
    "sla.deleted": gettext_lazy("Deleted an SLA policy"),
    "source.created": gettext_lazy("Created a source"),
    "source.changed": gettext_lazy("Changed a source"),
    "source.deleted": gettext_lazy("Deleted a source"),
    # People, sessions and tokens
    "membership.granted": gettext_lazy("Granted a role"),
    "membership.revoked": gettext_lazy("Revoked a role"),
    "person.created": gettext_lazy("Created a person"),
    "person.deactivated": gettext_lazy("Deactivated a person"),
    "person.reactivated": gettext_lazy("Reactivated a person"),
    "sessions.ended": gettext_lazy("Ended sessions"),
    "preference.language_changed": gettext_lazy("Changed their language"),
    "api_token.created": gettext_lazy("Created an API token"),
    "api_token.revoked": gettext_lazy("Revoked an API token"),
    "api_token.rotated": gettext_lazy("Rotated an API token"),
    "api_token.expired_used": gettext_lazy("Used an expired API token"),
    # A person's saved views of the case queue
    "saved_view.created": gettext_lazy("Saved a view of the case queue"),
    "saved_view.renamed": gettext_lazy("Renamed a saved view"),
    "saved_view.deleted": gettext_lazy("Deleted a saved view"),
    # Both sides of the story (innerloop.both_sides)
    "case.employee_account_recorded": gettext_lazy("Recorded the employee's account of a case"),
    "case.disposition_set": gettext_lazy("Judged a case's customer not a fit"),
    "case.disposition_cleared": gettext_lazy("Cleared “customer not a fit” on a case"),
    # Customers and feedback
    "customer.updated": gettext_lazy("Updated a customer"),
    "customer.erased": gettext_lazy("Erased a customer"),
    "retention.applied": gettext_lazy("Applied a retention policy"),
    "customer.do_not_contact_set": gettext_lazy("Changed do-not-contact"),
    "feedback.categorized": gettext_lazy("Set a feedback item's category"),
    "theme.accepted": gettext_lazy("Accepted a proposed theme as a new category"),
    "theme.merged": gettext_lazy("Merged a proposed theme into a category"),
    "theme.rejected": gettext_lazy("Rejected a proposed theme"),
    # Surveys cxloop sends
    "survey.contacts_invited": gettext_lazy("Invited contacts from a file to a survey"),
    "survey.sent_to_staff": gettext_lazy("Sent an employee survey to staff"),
    "survey.employee_unsubscribed": gettext_lazy("Unsubscribed from employee surveys"),
    # Outbound webhooks
    "webhook.created": gettext_lazy("Created a webhook"),
    "webhook.changed": gettext_lazy("Changed a webhook"),
    "webhook.disabled": gettext_lazy("Disabled a webhook"),
    "webhook.enabled": gettext_lazy("Enabled a webhook"),
    "webhook.secret_rotated": gettext_lazy("Rotated a webhook's signing secret"),
    "webhook.retried": gettext_lazy("Retried a webhook delivery"),
    "webhook.tested": gettext_lazy("Sent a test event to a webhook"),
    # The outer loop and governance
    "signal.dismissed": gettext_lazy("Dismissed a signal"),
    "signal.merged": gettext_lazy("Merged a signal"),
    "signal.promoted": gettext_lazy("Promoted a signal to an initiative"),
    "committee.seat_assigned": gettext_lazy("Assigned a committee seat"),
    "meeting.scheduled": gettext_lazy("Scheduled a meeting"),
    "meeting.held": gettext_lazy("Held a meeting"),
    "meeting.proxy_named": gettext_lazy("Named a proxy"),
    "meeting.proxy_withdrawn": gettext_lazy("Withdrew a proxy"),
    "decision.opened": gettext_lazy("Opened a decision"),
    "decision.vote": gettext_lazy("Voted"),
    "decision.taken": gettext_lazy("Took a decision"),
    "action_item.created": gettext_lazy("Created an action item"),
    "action_item.done": gettext_lazy("Completed an action item"),
    "system_review.recorded": gettext_lazy("Recorded a system review"),
}

# Targets with a page of their own: the page's URL name, taking the id.
TARGET_PAGES = {
    "innerloop.case": "innerloop:case",
    "feedback.customer": "feedback:customer",
    "feedback.feedback": "feedback:detail",
    "feedback.importjob": "imports:detail",
    "outerloop.signal": "outerloop:signal",
    "outerloop.initiative": "outerloop:initiative",
    "governance.meeting": "governance:meeting",
}
# Targets that are no model: a failed log-in with an unknown name, a downloaded table.
PSEUDO_TARGETS = {
    "auth.login": gettext_lazy("log-in"),
    "dashboard": gettext_lazy("dashboard"),
    "audit": gettext_lazy("audit log"),
}


def verb_label(verb: str) -> str:
    return str(VERB_LABELS.get(verb, verb))


def target_label(target_type: str, target_id: str) -> str:
    """ "case 12", "customer 5", "dashboard categories"; an unknown type as it is stored."""
    if target_type in PSEUDO_TARGETS:
        name = str(PSEUDO_TARGETS[target_type])
    else:
        try:
            name = str(apps.get_model(target_type)._meta.verbose_name)
        except (LookupError, ValueError, ImproperlyConfigured):
            name = target_type
    return f"{name} {target_id}".strip()


def target_url(target_type: str, target_id: str) -> str | None:
    """The target's page, or its admin page, when it has one (it may have been deleted since)."""
    if not (target_id.isascii() and target_id.isdigit()):
        return None
    app_label, _, model_name = target_type.partition(".")
    for name in (TARGET_PAGES.get(target_type), f"admin:{app_label}_{model_name}_change"):
        if name:
            try:
                return reverse(name, args=[int(target_id)])
            except NoReverseMatch:
                continue
    return None


def detail_lines(data: dict[str, Any]) -> list[str]:
    """The row's data as "key: value" lines; lists joined, anything nested as compact JSON."""
    lines = []
    for key, value in data.items():
        if isinstance(value, list) and all(isinstance(item, str | int) for item in value):
            text = ", ".join(str(item) for item in value)
        elif isinstance(value, dict | list):
            text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
        else:
            text = "" if value is None else str(value)
        lines.append(f"{key}: {text}")
    return lines
