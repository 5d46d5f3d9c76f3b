"""Which surveys a principal may invite for, and which invitations it may read: the one home of
these rules for the API and the contacts pages (the write policy is feedback.permissions.Writer)."""

from django.db.models import QuerySet
from django.http import Http404

from cxloop.org.scoping import scope_queryset
from feedback.models import Survey, SurveyInvitation
from feedback.permissions import Writer


def surveys_usable_by(*, writer: Writer) -> QuerySet[Survey]:
    """The surveys whose source this principal may send feedback for, and so may invite for."""
    return (
        Survey.objects.filter(source__in=writer.writable_sources())
        .select_related("source", "touchpoint", "touchpoint__owning_team")
        .order_by("name")
    )


def invitations_visible_to(*, writer: Writer) -> QuerySet[SurveyInvitation]:
    """Invitations this principal may read: an integration's, of the sources it speaks for; a
    person's, of the teams they see (all, for the organisation-wide roles)."""
    invitations = SurveyInvitation.objects.select_related("survey", "touchpoint", "customer", "team")
    if writer.source_ids is not None:
        return invitations.filter(survey__source__in=writer.source_ids)
    if writer.user is None or writer.team_ids is None:
        return invitations
    return scope_queryset(invitations, writer.user)


def invitation_get(*, writer: Writer, invitation_id: int) -> SurveyInvitation:
    """One invitation the principal may read; 404 for any other (whether it exists is not told)."""
    invitation = invitations_visible_to(writer=writer).filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation
