"""The people page and invitations: an administrator invites, resends and withdraws; the invited
person opens the one-time link, chooses a username and a password, and is signed in."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from redis.exceptions import RedisError

from cxloop.core.exceptions import ApplicationError

from . import invitations, throttle
from .forms import ConfirmForm, InvitationAcceptForm, InvitationForm
from .models import Role
from .permissions import role_required
from .selectors import invitations_pending_for_admin, memberships_visible_to, people_without_role

logger = logging.getLogger(__name__)


def _people_page(request, *, status=200, withdraw_form=None, withdrawing=None):
    pending = [
        (invitation, invitations.invitation_state(invitation))
        for invitation in invitations_pending_for_admin(user=request.user)
    ]
    context = {
        "memberships": memberships_visible_to(user=request.user),
        "without_role": people_without_role(user=request.user),
        "pending": pending,
        "withdraw_form": withdraw_form or ConfirmForm(prefix="withdraw"),
        "withdrawing": withdrawing,
    }
    return TemplateResponse(request, "org/people.html", context, status=status)


@require_GET
@role_required(Role.ADMIN)
def people(request):
    """Everyone, their roles and where they hold them; the invitations not yet accepted."""
    return _people_page(request)


def _form_errors_from(form, error: ApplicationError) -> None:
    if not error.extra:
        form.add_error(None, error.message)
    for field, reasons in error.extra.items():
        for reason in reasons:
            form.add_error(field if field in form.fields else None, reason)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def invite(request):
    """An administrator invites a person by email, in a role, a team or department and a language."""
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation, sent = invitations.invitation_send(
                invited_by=request.user,
                email=data["email"],
                full_name=data["full_name"],
                role=data["role"],
                team=data["team"],
                department=data["department"],
                language=data["language"],
            )
        except ApplicationError as error:
            _form_errors_from(form, error)
        else:
            if sent:
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            else:
                messages.error(
                    request,
                    _("The invitation is saved but the email could not be sent: use Resend to try again."),
                )
            return redirect("org:people")
    status = 400 if form.errors else 200
    context = {"form": form, "days": settings.CXLOOP_INVITATION_DAYS}
    return TemplateResponse(request, "org/invite.html", context, status=status)


@require_POST
@role_required(Role.ADMIN)
def invitation_resend_view(request, pk: int):
    """A new link and expiry for an invitation, emailed again (the old link stops working)."""
    invitation = get_object_or_404(invitations_pending_for_admin(user=request.user), pk=pk)
    try:
        sent = invitations.invitation_resend(invitation=invitation, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        if sent:
            messages.success(request, _("A new link was sent to %(email)s.") % {"email": invitation.email})
        else:
            messages.error(request, _("The email could not be sent: try again later."))
    return redirect("org:people")


@require_POST
@role_required(Role.ADMIN)
def invitation_withdraw_view(request, pk: int):
    """Withdraw an invitation (its link stops working), once the administrator has confirmed."""
    invitation = get_object_or_404(invitations_pending_for_admin(user=request.user), pk=pk)
    form = ConfirmForm(request.POST, prefix="withdraw")
    if not form.is_valid():
        return _people_page(request, status=400, withdraw_form=form, withdrawing=invitation.pk)
    invitations.invitation_withdraw(invitation=invitation, actor=request.user)
    messages.success(request, _("Invitation to %(email)s withdrawn.") % {"email": invitation.email})
    return redirect("org:people")


# --- the invited person ----------------------------------------------------------------------------

REFUSALS = {
    None: (
        404,
        gettext_lazy(
            "This invitation link is not valid. Check that you opened the whole link from the email."
        ),
    ),
    invitations.ACCEPTED: (
        410,
        gettext_lazy("This invitation was used already: sign in with the username you chose."),
    ),
    invitations.WITHDRAWN: (
        410,
        gettext_lazy("This invitation was withdrawn. Ask your administrator for a new one."),
    ),
    invitations.EXPIRED: (
        410,
        gettext_lazy("This invitation has expired. Ask your administrator to send it again."),
    ),
}

# Links that do not work (never issued, spent, withdrawn, expired), counted per address as failed
# sign-ins are (cxloop.org.throttle): past CXLOOP_LOGIN_FAILURES_PER_ADDRESS within the window, the
# address is refused every invitation link for the cooldown. The tokens cannot be guessed; this
# keeps a scanner from trying.
THROTTLE_KIND = "invitation-address"


def _address_locked(request) -> bool:
    address = throttle.client_address(request)
    try:
        return bool(address) and throttle.is_locked(THROTTLE_KIND, address)
    except (RedisError, OSError):
        logger.exception("Could not read the invitation throttle.")
        return False


def _count_refusal(request) -> None:
    address = throttle.client_address(request)
    if not address:
        return
    counter = throttle.SlidingCounter(THROTTLE_KIND, window=settings.CXLOOP_LOGIN_FAILURE_WINDOW_SECONDS)
    try:
        if counter.add(address) >= settings.CXLOOP_LOGIN_FAILURES_PER_ADDRESS:
            throttle.lock(THROTTLE_KIND, address)
    except (RedisError, OSError):
        logger.exception("Could not count a refused invitation link.")


def _refused_page(request, state, *, status: int | None = None):
    code, reason = REFUSALS[state]
    context = {"reason": reason, "signed_in": request.user.is_authenticated}
    return TemplateResponse(request, "org/invitation_refused.html", context, status=status or code)


@never_cache
@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept_view(request, token: str):
    """The one-time link: choose a username and a password, then land signed in with the role."""
    if _address_locked(request):
        reason = _("Too many invitation links were tried from your address. Try again later.")
        return TemplateResponse(request, "org/invitation_refused.html", {"reason": reason}, status=429)
    invitation = invitations.invitation_by_token(token)
    state = invitations.invitation_state(invitation) if invitation is not None else None
    if invitation is None or state != invitations.OPEN:
        _count_refusal(request)
        return _refused_page(request, state)
    if not invitations.inviter_may_still_invite(invitation):
        return _refused_page(request, invitations.WITHDRAWN)
    if invitation.language in dict(settings.LANGUAGES):
        # The page speaks the language the administrator chose for the person.
        translation.activate(invitation.language)
        request.LANGUAGE_CODE = invitation.language
    if request.user.is_authenticated:
        reason = _("You are signed in already. Sign out, then open the link again to accept the invitation.")
        context = {"reason": reason, "signed_in": True}
        return TemplateResponse(request, "org/invitation_refused.html", context, status=409)
    initial = {"username": invitation.email.split("@")[0]}
    form = InvitationAcceptForm(request.POST or None, invitation=invitation, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.invitation_accept(
                token=token, username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
            )
        except ApplicationError as error:
            _form_errors_from(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to cxloop. You are signed in."))
            return redirect("home")
    context = {"invitation": invitation, "form": form}
    return TemplateResponse(
        request, "org/invitation_accept.html", context, status=400 if form.errors else 200
    )
