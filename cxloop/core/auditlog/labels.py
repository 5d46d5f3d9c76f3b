"""How audit rows read on the page and in the CSV: a label per verb, a link per kind of target.

A verb missing here is shown as it is stored; a target without a page of its own links to its
admin page when the admin has one, and to nothing otherwise.
"""

import json
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse

VERB_LABELS = {
    # Signing in
    "auth.login": "Logged in",
    "auth.logout": "Logged out",
    "auth.login_failed": "Log-in failed",
    "sso.login": "Signed in through single sign-on",
    "sso.refused": "Single sign-on refused",
    "sso.memberships_synced": "Roles set from single sign-on groups",
    "mfa.enrolled": "Set up a second factor",
    "mfa.used": "Used a second factor",
    "mfa.recovery_code_used": "Used a recovery code",
    "mfa.failed": "Second factor failed",
    "mfa.removed": "Removed a second factor",
    "mfa.reset": "Reset a person's second factors",
    "mfa.recovery_codes_generated": "Generated recovery codes",
    # Who looked at what
    "customer.viewed": "Viewed a customer",
    "case.viewed": "Viewed a case",
    "feedback.viewed": "Viewed a feedback item",
    # Downloads
    "dashboard.exported": "Exported a dashboard table",
    "import_errors.exported": "Exported an import's error report",
    "audit.exported": "Exported the audit log",
    # Configuration (the admin)
    "rule.created": "Created a triage rule",
    "rule.changed": "Changed a triage rule",
    "rule.deleted": "Deleted a triage rule",
    "sla.created": "Created an SLA policy",
    "sla.changed": "Changed an SLA policy",
    "sla.deleted": "Deleted an SLA policy",
    "source.created": "Created a source",
    "source.changed": "Changed a source",
    "source.deleted": "Deleted a source",
    # People, sessions and tokens
    "membership.granted": "Granted a role",
    "membership.revoked": "Revoked a role",
    "person.created": "Created a person",
    "person.deactivated": "Deactivated a person",
    "person.reactivated": "Reactivated a person",
    "sessions.ended": "Ended sessions",
    "api_token.created": "Created an API token",
    "api_token.revoked": "Revoked an API token",
    "api_token.rotated": "Rotated an API token",
    "api_token.expired_used": "Used an expired API token",
    # Customers and feedback
    "customer.updated": "Updated a customer",
    "customer.erased": "Erased a customer",
    "retention.applied": "Applied a retention policy",
    "customer.do_not_contact_set": "Changed do-not-contact",
    "feedback.categorized": "Set a feedback item's category",
    # The outer loop and governance
    "signal.dismissed": "Dismissed a signal",
    "signal.merged": "Merged a signal",
    "signal.promoted": "Promoted a signal to an initiative",
    "committee.seat_assigned": "Assigned a committee seat",
    "meeting.scheduled": "Scheduled a meeting",
    "meeting.held": "Held a meeting",
    "meeting.proxy_named": "Named a proxy",
    "meeting.proxy_withdrawn": "Withdrew a proxy",
    "decision.opened": "Opened a decision",
    "decision.vote": "Voted",
    "decision.taken": "Took a decision",
    "action_item.created": "Created an action item",
    "action_item.done": "Completed an action item",
    "system_review.recorded": "Recorded a system review",
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
PSEUDO_TARGETS = {"auth.login": "log-in", "dashboard": "dashboard", "audit": "audit log"}


def verb_label(verb: str) -> str:
    return VERB_LABELS.get(verb, verb)


def target_label(target_type: str, target_id: str) -> str:
    """ "case 12", "customer 5", "dashboard categories"; an unknown type as it is stored."""
    if target_type in PSEUDO_TARGETS:
        name = PSEUDO_TARGETS[target_type]
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
