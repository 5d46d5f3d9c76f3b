"""Login landing and the people directory."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from .models import Role
from .permissions import role_required
from .scoping import scope_for
from .selectors import memberships_visible_to

LANDING_PAGES = {
    Role.ADMIN: "org:people",
    Role.COMMITTEE: "feedback:organisation",
    Role.MANAGER: "feedback:my-department",
    Role.TEAM_LEAD: "feedback:my-team",
    Role.AGENT: "feedback:my-team",
}


@require_GET
@login_required
def home(request):
    """Send each person to the page their role works from."""
    role = scope_for(request.user).primary_role
    if role is None:
        return TemplateResponse(request, "org/no_role.html", status=403)
    return redirect(LANDING_PAGES[role])


@require_GET
@role_required(Role.ADMIN)
def people(request):
    """Everyone, their roles and where they hold them."""
    memberships = memberships_visible_to(user=request.user)
    return TemplateResponse(request, "org/people.html", {"memberships": memberships})
