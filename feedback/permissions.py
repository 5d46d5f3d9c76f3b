"""Who may write what feedback: the one write policy of ingestion, per kind of principal.

Every channel (the API, webhooks, file imports, the forms for people) stores feedback through
feedback.services.ingest, which asks these questions and nothing else:

- An **integration token** is bound to its sources (Source.integration_tokens): it creates and
  updates only their items, for any team (it speaks for the system it integrates).
- A **webhook** delivery speaks for the one source whose secret signed it.
- A **person** (a session or a personal token) records feedback on the channels people write
  (in-person notes, calls, returns, emails, employee feedback), for the teams they may see, and
  updates only feedback they may see. Administrators may write on any source, for any team.
- **Customers**: a customer's contact details, segment and value change only through a source
  that is the customer's source of truth (Source.customer_authority) or by a person with the
  *manage customers* permission. Anyone may create a new customer or tie feedback to an existing
  one; what they may not change is left as it was, and the answer says so.
- The **system** (the demo, management commands) may do everything.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from cxloop.org.models import ApiToken, Role, Team
from cxloop.org.scoping import scope_for

from .models import Feedback, Source, SourceKind

# The channels a person writes into: what customers tell staff, and what staff raise themselves.
PERSON_SOURCE_KINDS = frozenset(
    {SourceKind.STORE, SourceKind.CALL_CENTRE, SourceKind.RETURNS, SourceKind.EMAIL, SourceKind.EMPLOYEE}
)
MANAGE_CUSTOMERS = "feedback.manage_customers"


@dataclass(frozen=True)
class Writer:
    """A principal sending feedback, and the answers of the write policy for it."""

    kind: str  # "integration", "webhook", "person" or "system"
    label: str
    user: object | None = None
    # Integration and webhook: the sources it speaks for. None: not bound to sources (people, system).
    source_ids: frozenset[int] | None = None
    # Person: the teams they may see and write for; None: every team.
    team_ids: frozenset[int] | None = None
    # Sources whose items it may create and update regardless of kind (administrators, the system).
    any_source: bool = False
    manages_customers: bool = False
    # The team a person writes for when they name none (their own, when they have exactly one).
    default_team_id: int | None = None

    # --- constructors -------------------------------------------------------------------------

    @classmethod
    def system(cls, *, label: str = "system") -> "Writer":
        return cls(kind="system", label=label, any_source=True, manages_customers=True)

    @classmethod
    def nobody(cls) -> "Writer":
        """A principal that is gone (the person who started an import was deleted): may write nothing."""
        return cls(
            kind="person",
            label=str(gettext_lazy("a deleted person")),
            source_ids=frozenset(),
            team_ids=frozenset(),
        )

    @classmethod
    def for_webhook(cls, source: Source) -> "Writer":
        return cls(
            kind="webhook",
            label=gettext_lazy("webhook of %(slug)s") % {"slug": source.slug},
            source_ids=frozenset({source.pk}),
            manages_customers=source.customer_authority,
        )

    @classmethod
    def for_integration(cls, token: ApiToken) -> "Writer":
        sources = list(
            Source.objects.filter(integration_tokens=token).values_list("pk", "customer_authority")
        )
        return cls(
            kind="integration",
            label=gettext_lazy("integration token %(token)s") % {"token": token.name},
            user=token.user,
            source_ids=frozenset(pk for pk, _ in sources),
            # Speaking for several sources, it changes customers only if all of them are authorities.
            manages_customers=bool(sources) and all(authority for _, authority in sources),
        )

    @classmethod
    def for_person(cls, user) -> "Writer":
        scope = scope_for(user)
        is_admin = scope.has_role(Role.ADMIN)
        if scope.sees_everything:
            team_ids = None
        else:
            team_ids = frozenset(
                Team.objects.filter(pk__in=scope.team_ids).values_list("pk", flat=True)
            ) | frozenset(
                Team.objects.filter(department__in=scope.department_ids).values_list("pk", flat=True)
            )
        own = sorted(scope.team_ids)
        return cls(
            kind="person",
            label=user.get_username(),
            user=user,
            team_ids=team_ids,
            any_source=is_admin,
            manages_customers=user.has_perm(MANAGE_CUSTOMERS),
            default_team_id=own[0] if len(own) == 1 else None,
        )

    @classmethod
    def for_request(cls, request) -> "Writer":
        """The API caller: an integration token, or a person (session or personal token)."""
        token = request.auth
        if isinstance(token, ApiToken) and token.is_integration:
            return cls.for_integration(token)
        return cls.for_person(request.user)

    # --- the policy ---------------------------------------------------------------------------

    def source_refusal(self, source: Source) -> str | None:
        """Why this principal may not send feedback for `source`, or None."""
        if self.source_ids is not None:
            if source.pk not in self.source_ids:
                return f'this {self.kind} may not send feedback for source "{source.slug}".'
            return None
        if self.any_source or source.kind in PERSON_SOURCE_KINDS:
            return None
        return (
            "people record feedback on in-person, call, returns, email and employee sources; "
            f'"{source.slug}" is a {source.get_kind_display().lower()} source, fed by its integration.'
        )

    def team_refusal(self, team: Team | None) -> str | None:
        """Why this principal may not file feedback under `team` (None: no team), or None."""
        if self.team_ids is None:
            return None
        if team is None:
            return "name the team this feedback is for (one of yours)."
        if team.pk not in self.team_ids:
            return f'you may record feedback only for your own teams, not "{team.slug}".'
        return None

    def writable_sources(self):
        """The active sources this principal may send feedback for (what a person's pages offer)."""
        sources = Source.objects.filter(active=True)
        if self.source_ids is not None:
            return sources.filter(pk__in=self.source_ids)
        return sources if self.any_source else sources.filter(kind__in=PERSON_SOURCE_KINDS)

    def may_change(self, feedback: Feedback) -> bool:
        """Whether this principal may update feedback stored before (of a source it may send for)."""
        if self.team_ids is None:
            return True
        return feedback.team_id is not None and feedback.team_id in self.team_ids
