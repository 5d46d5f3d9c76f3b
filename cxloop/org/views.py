"""Login landing and the people directory."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cxloop.core.exceptions import ApplicationError

from .forms import ApiTokenForm
from .models import Role
from .permissions import role_required
from .scoping import scope_for
from .selectors import api_tokens_visible_to, memberships_visible_to
from .services import api_token_create, api_token_revoke

LANDING_PAGES = {
    Role.ADMIN: "org:people",
    Role.COMMITTEE: "dashboards:overview",
    Role.MANAGER: "dashboards:overview",
    Role.TEAM_LEAD: "innerloop:queue",
    Role.AGENT: "innerloop:queue",
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


@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """Create and revoke API tokens; a new key is shown once, on the page that created it."""
    is_admin = scope_for(request.user).has_role(Role.ADMIN)
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        integration = form.cleaned_data["integration"]
        if integration and not is_admin:
            # A non-field error: the integration box is only on administrators' pages.
            form.add_error(None, "Only administrators create integration tokens.")
        else:
            try:
                _token, new_key = api_token_create(
                    created_by=request.user,
                    name=form.cleaned_data["name"],
                    integration=integration,
                    scope=form.cleaned_data["scope"] or "ingest",
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                form = ApiTokenForm()
    context = {
        "form": form,
        "new_key": new_key,
        "tokens": api_tokens_visible_to(user=request.user),
        "is_admin": is_admin,
    }
    return TemplateResponse(request, "org/api_tokens.html", context, status=400 if form.errors else 200)


@require_POST
def api_token_revoke_view(request, pk: int):
    token = get_object_or_404(api_tokens_visible_to(user=request.user), pk=pk)
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("org:api-tokens")
