"""Navigation that follows the user's role."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Role
from .scoping import scope_for

# (label, url name, roles that see it); admins see everything.
NAVIGATION = (
    (_("Cases"), "innerloop:queue", {Role.AGENT, Role.TEAM_LEAD, Role.MANAGER}),
    (_("Dashboard"), "dashboards:overview", {Role.TEAM_LEAD, Role.MANAGER, Role.COMMITTEE, Role.ADMIN}),
    (_("My team"), "feedback:my-team", {Role.AGENT, Role.TEAM_LEAD}),
    (_("Department"), "feedback:my-department", {Role.MANAGER}),
    (_("Organisation"), "feedback:organisation", {Role.COMMITTEE, Role.ADMIN}),
    (_("Feedback"), "feedback:list", {Role.AGENT, Role.TEAM_LEAD, Role.MANAGER, Role.COMMITTEE, Role.ADMIN}),
    (_("Record feedback"), "feedback:quick", {Role.AGENT, Role.TEAM_LEAD, Role.MANAGER}),
    (_("Raise an obstacle"), "feedback:employee", {Role.AGENT, Role.TEAM_LEAD, Role.MANAGER, Role.COMMITTEE}),
    (_("Import"), "imports:upload", {Role.TEAM_LEAD, Role.MANAGER, Role.ADMIN}),
    (_("Surveys"), "surveys:list", {Role.TEAM_LEAD, Role.MANAGER, Role.COMMITTEE, Role.ADMIN}),
    (_("People"), "org:people", {Role.ADMIN}),
    (_("Audit log"), "audit:log", {Role.ADMIN}),
    (_("Privacy"), "privacy:erase", {Role.ADMIN}),
    (_("Triage rules"), "rules_admin:list", {Role.ADMIN}),
    (_("Sources"), "sources:list", {Role.ADMIN}),
    (_("Proposed themes"), "themes:list", {Role.ADMIN}),
    (_("Webhooks"), "outbound:list", {Role.ADMIN}),
    (_("Huddles"), "huddles:list", {Role.AGENT, Role.TEAM_LEAD}),
    (_("Review"), "huddles:review", {Role.MANAGER}),
    (_("Signals"), "outerloop:signals", {Role.MANAGER, Role.COMMITTEE, Role.ADMIN}),
    (_("Initiatives"), "outerloop:initiatives", {Role.MANAGER, Role.COMMITTEE, Role.ADMIN}),
    (_("Committee"), "governance:committee", {Role.COMMITTEE, Role.ADMIN}),
    (_("Recovery value"), "recovery_value:page", {Role.MANAGER, Role.COMMITTEE, Role.ADMIN}),
    (
        _("You said, we did"),
        "outerloop:you-said-we-did",
        {Role.AGENT, Role.TEAM_LEAD, Role.MANAGER, Role.COMMITTEE, Role.ADMIN},
    ),
)


def navigation(request) -> dict:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    scope = scope_for(request.user)
    items = [
        {"label": label, "url": reverse(name)} for label, name, roles in NAVIGATION if scope.has_role(*roles)
    ]
    role = scope.primary_role
    return {"nav_items": items, "user_role": Role(role).label if role else _("No role")}
