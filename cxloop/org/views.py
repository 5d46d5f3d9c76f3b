"""Login landing, the people directory and a person's page, and API tokens."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cxloop.core.exceptions import ApplicationError

from .forms import ApiTokenForm, ConfirmForm, DeactivateForm
from .models import Role
from .permissions import role_required
from .scoping import scope_for
from .selectors import api_tokens_visible_to, memberships_visible_to, person_for_admin, sessions_active_of
from .services import (
    api_token_create,
    api_token_revoke,
    api_token_rotate,
    person_deactivate,
    person_reactivate,
    sessions_end,
)

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


def _tokens_page(request, *, form, new_key=None, status=200):
    context = {
        "form": form,
        "new_key": new_key,
        "tokens": api_tokens_visible_to(user=request.user),
        "is_admin": scope_for(request.user).has_role(Role.ADMIN),
        "longest_days": settings.CXLOOP_API_TOKEN_DAYS,
        "rotation_grace": settings.CXLOOP_API_TOKEN_ROTATION_GRACE_SECONDS,
    }
    return TemplateResponse(request, "org/api_tokens.html", context, status=status)


@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """Create, rotate and revoke API tokens; a new key is shown once, on the page that made it."""
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
                    scopes=form.cleaned_data["scopes"],
                    expires_in_days=form.cleaned_data["expires_in_days"],
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                form = ApiTokenForm()
    return _tokens_page(request, form=form, new_key=new_key, status=400 if form.errors else 200)


@require_POST
def api_token_revoke_view(request, pk: int):
    token = get_object_or_404(api_tokens_visible_to(user=request.user), pk=pk)
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("org:api-tokens")


@require_POST
def api_token_rotate_view(request, pk: int):
    """A new key for the token, shown once on the page this answers with."""
    token = get_object_or_404(api_tokens_visible_to(user=request.user), pk=pk)
    try:
        token, new_key = api_token_rotate(token=token, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("org:api-tokens")
    messages.success(request, f"Token “{token.name}” has a new key: copy it below.")
    return _tokens_page(request, form=ApiTokenForm(), new_key=new_key)


# --- a person, for administrators -----------------------------------------------------------------


def _person_page(request, person, *, status=200, **forms):
    context = {
        "person": person,
        "memberships": memberships_visible_to(user=request.user).filter(user=person),
        "sessions": sessions_active_of(person=person),
        "tokens": person.api_tokens.filter(revoked_at__isnull=True),
        "end_form": forms.get("end_form") or ConfirmForm(prefix="end"),
        "deactivate_form": forms.get("deactivate_form") or DeactivateForm(prefix="deactivate"),
        "reactivate_form": forms.get("reactivate_form") or ConfirmForm(prefix="reactivate"),
    }
    return TemplateResponse(request, "org/person.html", context, status=status)


@require_GET
@role_required(Role.ADMIN)
def person_detail(request, pk: int):
    """A person's roles, signed-in sessions and tokens, with the actions that end their access."""
    return _person_page(request, person_for_admin(user=request.user, pk=pk))


@require_POST
@role_required(Role.ADMIN)
def person_sessions_end(request, pk: int):
    person = person_for_admin(user=request.user, pk=pk)
    form = ConfirmForm(request.POST, prefix="end")
    if not form.is_valid():
        return _person_page(request, person, status=400, end_form=form)
    count = sessions_end(person=person, actor=request.user, reason="ended by an administrator")
    if person.pk == request.user.pk:
        # This very session is gone too: start afresh rather than save into a deleted row.
        logout(request)
        return redirect(settings.LOGIN_URL)
    messages.success(request, f"Ended {count} session{'s' if count != 1 else ''} of {person.get_username()}.")
    return redirect("org:person", pk=person.pk)


@require_POST
@role_required(Role.ADMIN)
def person_deactivate_view(request, pk: int):
    person = person_for_admin(user=request.user, pk=pk)
    form = DeactivateForm(request.POST, prefix="deactivate")
    if form.is_valid() and person.pk == request.user.pk:
        form.add_error(None, "You cannot deactivate yourself.")
    if not form.is_valid():
        return _person_page(request, person, status=400, deactivate_form=form)
    person_deactivate(person=person, actor=request.user, reason=form.cleaned_data["reason"])
    messages.success(request, f"{person.get_username()} is deactivated: signed out, tokens revoked.")
    return redirect("org:person", pk=person.pk)


@require_POST
@role_required(Role.ADMIN)
def person_reactivate_view(request, pk: int):
    person = person_for_admin(user=request.user, pk=pk)
    form = ConfirmForm(request.POST, prefix="reactivate")
    if not form.is_valid():
        return _person_page(request, person, status=400, reactivate_form=form)
    person_reactivate(person=person, actor=request.user)
    messages.success(request, f"{person.get_username()} may sign in again (their old tokens stay revoked).")
    return redirect("org:person", pk=person.pk)
