"""Login landing, a person's page (roles, sessions, deactivation) and API tokens."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cxloop.core.exceptions import ApplicationError
from cxloop.org.names import person_name

from .forms import ApiTokenForm, ConfirmForm, DeactivateForm, RoleScopeForm
from .models import Membership, Role
from .permissions import role_required
from .scoping import scope_for
from .selectors import api_tokens_visible_to, memberships_visible_to, person_for_admin, sessions_active_of
from .services import (
    api_token_create,
    api_token_revoke,
    api_token_rotate,
    membership_change,
    membership_grant,
    membership_revoke,
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
            form.add_error(None, _("Only administrators create integration tokens."))
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
    """Revoke a token, once its box is ticked: the key stops working for good."""
    token = get_object_or_404(api_tokens_visible_to(user=request.user), pk=pk)
    confirm = ConfirmForm(request.POST, prefix=f"revoke-{token.pk}")
    if not confirm.is_valid():
        page = _tokens_page(request, form=ApiTokenForm(), status=400)
        page.context_data |= {"revoke_refused": token.pk, "revoke_errors": confirm.errors.get("confirm", [])}
        return page
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("org:api-tokens")


@require_POST
def api_token_rotate_view(request, pk: int):
    """A new key for the token, shown once on the page this answers with, once its box is ticked
    (the old key stops working, at once unless a grace is configured)."""
    token = get_object_or_404(api_tokens_visible_to(user=request.user), pk=pk)
    confirm = ConfirmForm(request.POST, prefix=f"rotate-{token.pk}")
    if not confirm.is_valid():
        page = _tokens_page(request, form=ApiTokenForm(), status=400)
        page.context_data |= {"rotate_refused": token.pk, "rotate_errors": confirm.errors.get("confirm", [])}
        return page
    try:
        token, new_key = api_token_rotate(token=token, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("org:api-tokens")
    messages.success(request, _("Token “%(name)s” has a new key: copy it below.") % {"name": token.name})
    return _tokens_page(request, form=ApiTokenForm(), new_key=new_key)


# --- a person, for administrators -----------------------------------------------------------------


_name = person_name


def _role_forms(memberships, bound: tuple[int, RoleScopeForm] | None) -> list:
    """Each role with its change form (the refused one bound, showing why)."""
    rows = []
    for membership in memberships:
        if bound is not None and bound[0] == membership.pk:
            form = bound[1]
        else:
            initial = {"role": membership.role, "team": membership.team, "department": membership.department}
            form = RoleScopeForm(prefix=f"role-{membership.pk}", initial=initial)
        remove = ConfirmForm(prefix=f"remove-{membership.pk}")
        rows.append((membership, form, remove))
    return rows


def _person_page(request, person, *, status=200, role_bound=None, remove_bound=None, **forms):
    memberships = list(memberships_visible_to(user=request.user).filter(user=person))
    rows = _role_forms(memberships, role_bound)
    if remove_bound is not None:
        rows = [(m, f, remove_bound[1] if m.pk == remove_bound[0] else r) for m, f, r in rows]
    context = {
        "person": person,
        "memberships": memberships,
        "role_rows": rows,
        "add_role_form": forms.get("add_role_form") or RoleScopeForm(prefix="add-role"),
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
    messages.success(
        request,
        ngettext("Ended %(count)d session of %(name)s.", "Ended %(count)d sessions of %(name)s.", count)
        % {"count": count, "name": _name(person)},
    )
    return redirect("org:person", pk=person.pk)


@require_POST
@role_required(Role.ADMIN)
def person_deactivate_view(request, pk: int):
    person = person_for_admin(user=request.user, pk=pk)
    form = DeactivateForm(request.POST, prefix="deactivate")
    if form.is_valid() and person.pk == request.user.pk:
        form.add_error(None, _("You cannot deactivate yourself."))
    if not form.is_valid():
        return _person_page(request, person, status=400, deactivate_form=form)
    try:
        person_deactivate(person=person, actor=request.user, reason=form.cleaned_data["reason"])
    except ApplicationError as error:
        form.add_error(None, error.message)
        return _person_page(request, person, status=400, deactivate_form=form)
    messages.success(
        request, _("%(name)s is deactivated: signed out, tokens revoked.") % {"name": _name(person)}
    )
    return redirect("org:person", pk=person.pk)


@require_POST
@role_required(Role.ADMIN)
def person_reactivate_view(request, pk: int):
    person = person_for_admin(user=request.user, pk=pk)
    form = ConfirmForm(request.POST, prefix="reactivate")
    if not form.is_valid():
        return _person_page(request, person, status=400, reactivate_form=form)
    person_reactivate(person=person, actor=request.user)
    messages.success(
        request, _("%(name)s may sign in again (their old tokens stay revoked).") % {"name": _name(person)}
    )
    return redirect("org:person", pk=person.pk)


# --- a person's roles -----------------------------------------------------------------------------


def _errors_onto(form, error: ApplicationError) -> None:
    for field, reasons in (error.extra or {None: [error.message]}).items():
        for reason in reasons:
            form.add_error(field if field in form.fields else None, reason)


@require_POST
@role_required(Role.ADMIN)
def person_role_add_view(request, pk: int):
    """Give the person another role (a team, a department or the whole organisation)."""
    person = person_for_admin(user=request.user, pk=pk)
    form = RoleScopeForm(request.POST, prefix="add-role")
    if form.is_valid():
        data = form.cleaned_data
        try:
            membership_grant(
                person=person,
                role=data["role"],
                team=data["team"],
                department=data["department"],
                actor=request.user,
            )
        except ApplicationError as error:
            _errors_onto(form, error)
        else:
            messages.success(request, _("%(name)s has a new role.") % {"name": _name(person)})
            return redirect("org:person", pk=person.pk)
    return _person_page(request, person, status=400, add_role_form=form)


@require_POST
@role_required(Role.ADMIN)
def person_role_change_view(request, pk: int, membership_pk: int):
    """Move one of the person's roles to another role, team or department."""
    person = person_for_admin(user=request.user, pk=pk)
    membership = get_object_or_404(Membership, pk=membership_pk, user=person)
    form = RoleScopeForm(request.POST, prefix=f"role-{membership.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            membership_change(
                membership=membership,
                role=data["role"],
                team=data["team"],
                department=data["department"],
                actor=request.user,
            )
        except ApplicationError as error:
            _errors_onto(form, error)
        else:
            messages.success(request, _("%(name)s's role is changed.") % {"name": _name(person)})
            return redirect("org:person", pk=person.pk)
    return _person_page(request, person, status=400, role_bound=(membership.pk, form))


@require_POST
@role_required(Role.ADMIN)
def person_role_remove_view(request, pk: int, membership_pk: int):
    """Take one role away from the person, once the box is ticked."""
    person = person_for_admin(user=request.user, pk=pk)
    membership = get_object_or_404(Membership, pk=membership_pk, user=person)
    form = ConfirmForm(request.POST, prefix=f"remove-{membership.pk}")
    if form.is_valid():
        try:
            membership_revoke(membership=membership, actor=request.user)
        except ApplicationError as error:
            _errors_onto(form, error)
        else:
            messages.success(request, _("The role is taken away from %(name)s.") % {"name": _name(person)})
            return redirect("org:person", pk=person.pk)
    return _person_page(request, person, status=400, remove_bound=(membership.pk, form))
