"""Navigation that follows the user's role."""

from django.urls import reverse

from .models import Role
from .scoping import scope_for

# (label, url name, roles that see it); admins see everything.
NAVIGATION = (
    ("Cases", "innerloop:queue", {Role.AGENT, Role.TEAM_LEAD, Role.MANAGER}),
    ("Dashboard", "dashboards:overview", {Role.TEAM_LEAD, Role.MANAGER, Role.COMMITTEE, Role.ADMIN}),
    ("My team", "feedback:my-team", {Role.AGENT, Role.TEAM_LEAD}),
    ("Department", "feedback:my-department", {Role.MANAGER}),
    ("Organisation", "feedback:organisation", {Role.COMMITTEE, Role.ADMIN}),
    ("Feedback", "feedback:list", {Role.AGENT, Role.TEAM_LEAD, Role.MANAGER, Role.COMMITTEE, Role.ADMIN}),
    ("Record feedback", "feedback:quick", {Role.AGENT, Role.TEAM_LEAD, Role.MANAGER}),
    ("Raise an obstacle", "feedback:employee", {Role.AGENT, Role.TEAM_LEAD, Role.MANAGER, Role.COMMITTEE}),
    ("Import", "imports:upload", {Role.TEAM_LEAD, Role.MANAGER, Role.ADMIN}),
    ("People", "org:people", {Role.ADMIN}),
    ("Audit log", "audit:log", {Role.ADMIN}),
    ("Privacy", "privacy:erase", {Role.ADMIN}),
    ("Huddles", "huddles:list", {Role.AGENT, Role.TEAM_LEAD}),
    ("Review", "huddles:review", {Role.MANAGER}),
    ("Signals", "outerloop:signals", {Role.MANAGER, Role.COMMITTEE, Role.ADMIN}),
    ("Initiatives", "outerloop:initiatives", {Role.MANAGER, Role.COMMITTEE, Role.ADMIN}),
    ("Committee", "governance:committee", {Role.COMMITTEE, Role.ADMIN}),
    (
        "You said, we did",
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
    return {"nav_items": items, "user_role": Role(role).label if role else "No role"}
