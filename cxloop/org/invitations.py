"""Invitations: an administrator invites a person by email to join in a role; the email's one-time
link lets them choose a username and a password and signs them in, holding that role.

The link's token is random (32 bytes); only its sha256 is kept, so the database cannot give a link
away. A link works once, for CXLOOP_INVITATION_DAYS days, until it is withdrawn; a resend makes a new
token (the old link stops working). An invitation always makes a new account: it never grants a
role to an account that exists. Audit rows hold ids, the role and slugs, never the address or name.
"""

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from cxloop.core.exceptions import ApplicationError, StateConflict
from cxloop.core.models import audit

from .models import Department, Invitation, Membership, Preference, Role, Team

logger = logging.getLogger(__name__)

OPEN, ACCEPTED, WITHDRAWN, EXPIRED = "open", "accepted", "withdrawn", "expired"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_state(invitation: Invitation) -> str:
    """Whether the invitation's link still works (open) or why not."""
    if invitation.accepted_at is not None:
        return ACCEPTED
    if invitation.withdrawn_at is not None:
        return WITHDRAWN
    if invitation.expires_at <= timezone.now():
        return EXPIRED
    return OPEN


def inviter_may_still_invite(invitation: Invitation) -> bool:
    """An invitation works only while the administrator who sent it is still an active administrator:
    one deactivated or demoted cannot come back through a link they sent themselves beforehand."""
    inviter = invitation.invited_by
    return bool(
        inviter is not None
        and inviter.is_active
        and Membership.objects.filter(user=inviter, role=Role.ADMIN).exists()
    )


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation a link's token belongs to (None for a token never issued or since replaced)."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("team", "department", "invited_by")
        .filter(token_hash=token_hash(token))
        .first()
    )


def _new_token() -> tuple[str, str, datetime]:
    token = secrets.token_urlsafe(32)
    return token, token_hash(token), timezone.now() + timedelta(days=settings.CXLOOP_INVITATION_DAYS)


def _has_account(email: str) -> bool:
    return get_user_model().objects.filter(email__iexact=email, is_active=True).exists()


def _where(team: Team | None, department: Department | None) -> dict[str, str | None]:
    return {"team": team.slug if team else None, "department": department.slug if department else None}


@transaction.atomic
def _invitation_create(
    *, invited_by, email: str, full_name: str, role: str, team, department, language: str
) -> tuple[Invitation, str]:
    email = email.strip()
    if _has_account(email):
        raise ApplicationError(
            gettext("Someone with this email address already has an account."),
            {"email": [gettext("Someone with this email address already has an account.")]},
        )
    now = timezone.now()
    earlier = (
        Invitation.objects.select_for_update(no_key=True)
        .filter(email__iexact=email, accepted_at__isnull=True, withdrawn_at__isnull=True)
        .first()
    )
    if earlier is not None:
        if invitation_state(earlier) == OPEN:
            message = gettext("This address has an open invitation: resend or withdraw it.")
            raise StateConflict(message, {"email": [message]})
        # Expired: it makes way for the new one (one open invitation per address).
        earlier.withdrawn_at = now
        earlier.save(update_fields=["withdrawn_at"])
        audit(actor=invited_by, verb="invitation.withdrawn", target=earlier, expired=True)
    token, hashed, expires_at = _new_token()
    fields = {"full_name": full_name.strip(), "role": role, "team": team, "department": department}
    try:
        with transaction.atomic():  # two administrators inviting the same address at the same moment
            invitation = Invitation.objects.create(
                email=email, language=language, token_hash=hashed, invited_by=invited_by,
                expires_at=expires_at, **fields,
            )  # fmt: skip
    except IntegrityError as error:
        message = gettext("This address has an open invitation: resend or withdraw it.")
        raise StateConflict(message, {"email": [message]}) from error
    audit(
        actor=invited_by,
        verb="invitation.created",
        target=invitation,
        role=role,
        language=language or "default",
        expires_at=expires_at.isoformat(),
        **_where(team, department),
    )
    return invitation, token


def invitation_send(
    *, invited_by, email: str, full_name: str, role: str, team=None, department=None, language: str = ""
) -> tuple[Invitation, bool]:
    """Invite a person; the email goes out once the invitation is stored. Returns it and whether
    the email was handed to the mail server (False: it can be resent)."""
    invitation, token = _invitation_create(
        invited_by=invited_by,
        email=email,
        full_name=full_name,
        role=role,
        team=team,
        department=department,
        language=language,
    )
    return invitation, invitation_email_send(invitation=invitation, token=token)


def invitation_link(token: str) -> str:
    return settings.CXLOOP_BASE_URL + reverse("org:invitation-accept", args=[token])


def invitation_email_send(*, invitation: Invitation, token: str) -> bool:
    """The invitation email, plain text and HTML, in the invited person's language."""
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "inviter": (inviter.get_full_name() or inviter.get_username()) if inviter else "",
        "link": invitation_link(token),
    }
    with translation.override(invitation.language or settings.LANGUAGE_CODE):
        subject = gettext("You are invited to cxloop")
        text = render_to_string("org/email/invitation.txt", context)
        html = render_to_string("org/email/invitation.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except OSError:  # smtplib's errors are OSErrors: the mail server is unreachable or refused
        logger.exception("Invitation %s: the email could not be sent.", invitation.pk)
        return False
    return True


def _lock_open(invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update(no_key=True).get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise StateConflict(gettext("This invitation was accepted already."))
    if invitation.withdrawn_at is not None:
        raise StateConflict(gettext("This invitation was withdrawn."))
    return invitation


@transaction.atomic
def _invitation_renew(*, invitation: Invitation, actor) -> tuple[Invitation, str]:
    invitation = _lock_open(invitation)
    if _has_account(invitation.email):
        raise StateConflict(gettext("Someone with this email address already has an account."))
    token, invitation.token_hash, invitation.expires_at = _new_token()
    invitation.save(update_fields=["token_hash", "expires_at"])
    audit(
        actor=actor, verb="invitation.resent", target=invitation, expires_at=invitation.expires_at.isoformat()
    )
    return invitation, token


def invitation_resend(*, invitation: Invitation, actor) -> bool:
    """A new link (the old one stops working) and a new expiry, emailed again."""
    invitation, token = _invitation_renew(invitation=invitation, actor=actor)
    return invitation_email_send(invitation=invitation, token=token)


@transaction.atomic
def invitation_withdraw(*, invitation: Invitation, actor) -> Invitation:
    """The link stops working at once; the address may be invited again."""
    invitation = _lock_open(invitation)
    invitation.withdrawn_at = timezone.now()
    invitation.save(update_fields=["withdrawn_at"])
    audit(actor=actor, verb="invitation.withdrawn", target=invitation)
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, username: str, password: str):
    """Make the invited person's account, with the invitation's role and language; the link is spent."""
    User = get_user_model()
    invitation = (
        Invitation.objects.select_for_update(no_key=True).filter(token_hash=token_hash(token)).first()
    )
    if invitation is None or invitation_state(invitation) != OPEN or not inviter_may_still_invite(invitation):
        raise StateConflict(gettext("This invitation link no longer works."))
    if _has_account(invitation.email):
        raise StateConflict(gettext("Someone with this email address already has an account."))
    if User.objects.filter(username__iexact=username).exists():
        message = gettext("This username is taken: choose another.")
        raise ApplicationError(message, {"username": [message]})
    first, _, last = invitation.full_name.partition(" ")
    user = User(username=username, email=invitation.email, first_name=first[:150], last_name=last[:150])
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages), {"password1": error.messages}) from error
    user.set_password(password)
    try:
        with transaction.atomic():  # two people choosing the same username at the same moment
            user.save()
    except IntegrityError as error:
        message = gettext("This username is taken: choose another.")
        raise ApplicationError(message, {"username": [message]}) from error
    Membership.objects.create(
        user=user, role=invitation.role, team=invitation.team, department=invitation.department
    )
    Preference.objects.update_or_create(user=user, defaults={"language": invitation.language})
    invitation.accepted_at, invitation.user = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "user"])
    audit(actor=user, verb="invitation.accepted", target=invitation, user_id=user.pk)
    return user
