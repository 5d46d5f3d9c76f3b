"""Who hears about a new high-priority case, and how: the people who can act on it now, not everyone.

The policy (README, "Alerts"):
- In the app: the team members seen in cxloop in the last ACTIVE_WITHIN (they are working and can
  pick it up); when none is, the team's leads. One row per person and case, written for a whole
  triage batch in one statement.
- By email: never one per case. The alerts queue sends each person, at most every few minutes, one
  summary of the alerts they have not read, and only when they are not in the app to see the bell
  (cxloop.notifications.services.alert_summaries_send).
"""

from datetime import timedelta

from django.utils import timezone, translation
from django.utils.translation import gettext

from cxloop.notifications.services import notifications_create
from cxloop.org.language import languages_of
from cxloop.org.models import Membership, Role
from cxloop.org.presence import seen_since
from innerloop.models import Case, Priority

ALERT_PRIORITIES = (Priority.HIGH, Priority.URGENT)
ACTIVE_WITHIN = timedelta(minutes=15)
ALERT_KIND = "case_opened"


def alert_recipients(*, team_ids: set[int]) -> dict[int, list[int]]:
    """team id -> user ids to alert now: members seen recently, else the team's leads."""
    members: dict[int, list[tuple[int, str]]] = {team_id: [] for team_id in team_ids}
    for team_id, user_id, role in Membership.objects.filter(
        team_id__in=team_ids, user__is_active=True
    ).values_list("team_id", "user_id", "role"):
        members[team_id].append((user_id, role))
    active = seen_since(
        user_ids={user_id for people in members.values() for user_id, _ in people},
        since=timezone.now() - ACTIVE_WITHIN,
    )
    recipients = {}
    for team_id, people in members.items():
        working = [user_id for user_id, _ in people if user_id in active]
        recipients[team_id] = working or [user_id for user_id, role in people if role == Role.TEAM_LEAD]
    return recipients


def alerts_for_new_cases(*, case_ids: list[int]) -> int:
    """Alert the people who can act now about each new high-priority case; returns alerts written."""
    cases = list(
        Case.objects.filter(pk__in=case_ids, priority__in=ALERT_PRIORITIES)
        .select_related("kind", "feedback")
        .only("id", "team_id", "priority", "kind__name", "feedback__comment")
    )
    if not cases:
        return 0
    recipients = alert_recipients(team_ids={case.team_id for case in cases})
    languages = languages_of(user_ids={user_id for people in recipients.values() for user_id in people})
    return notifications_create(
        notifications=[
            {
                "user_id": user_id,
                "key": f"case:{case.pk}:opened:{user_id}",
                "kind": ALERT_KIND,
                # Stored as written: in the language of the person it is for.
                "title": _alert_title(case, language=languages[user_id]),
                "body": (case.feedback.comment or "")[:300],
                "url": f"/cases/{case.pk}/",
            }
            for case in cases
            for user_id in recipients[case.team_id]
        ]
    )


def _alert_title(case: Case, *, language: str) -> str:
    with translation.override(language):
        return gettext("New %(priority)s-priority case: %(kind)s") % {
            "priority": case.get_priority_display().lower(),
            "kind": str(case.kind),  # a kind cxloop ships, in the person's language
        }
