"""Who works where, and in which role: the basis of every visibility rule."""

import zoneinfo

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.sessions.models import Session
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class Department(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="teams")
    timezone = models.CharField(max_length=64, default="UTC", choices=_timezone_choices)
    # What no rule or routing can place (a detractor with nothing to route by) goes to this team's
    # queue, so every detractor and complaint has an owner. At most one team is it.
    is_triage_team = models.BooleanField(
        _("the organisation's triage team"),
        default=False,
        help_text=_("Takes the feedback no rule or routing can place. At most one team."),
    )

    class Meta:
        ordering = ["department__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["department", "name"], name="team_name_unique_in_department"),
            models.UniqueConstraint(
                fields=["is_triage_team"], condition=Q(is_triage_team=True), name="team_one_triage_team"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    TEAM_LEAD = "team_lead", _("Team lead")
    MANAGER = "manager", _("Manager")
    COMMITTEE = "committee", _("Steering committee")
    ADMIN = "admin", _("Administrator")


TEAM_ROLES = frozenset({Role.AGENT, Role.TEAM_LEAD})
ORG_WIDE_ROLES = frozenset({Role.COMMITTEE, Role.ADMIN})

# Where each role is held: a team (agent, team lead), a department (manager; a committee member may
# name the department of their seat) or the whole organisation. Memberships and the single-sign-on
# group mappings that grant them (cxloop.identity) share it.
ROLE_SCOPE = (
    Q(role__in=[Role.AGENT, Role.TEAM_LEAD], team__isnull=False, department__isnull=True)
    | Q(role=Role.MANAGER, team__isnull=True, department__isnull=False)
    | Q(role=Role.COMMITTEE, team__isnull=True)
    | Q(role=Role.ADMIN, team__isnull=True, department__isnull=True)
)


class Membership(models.Model):
    """A role held by a person: on a team (agent, team lead), a department (manager) or organisation-wide.

    A committee member may name the department whose seat they hold.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, db_index=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
            models.CheckConstraint(
                condition=ROLE_SCOPE,
                name="membership_scope_matches_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "team", "department"],
                nulls_distinct=False,
                name="membership_unique",
            ),
        ]

    def __str__(self) -> str:
        where = self.team or self.department or "organisation"
        return f"{self.user} · {self.get_role_display()} · {where}"


class ApiToken(models.Model):
    """A key for the API: personal (acts as its owner) or for an integration (acts as a service user).

    Only a hash of the key is stored; the key itself is shown once, when it is created or rotated.
    A token holds one or more scopes, each opening part of the API (cxloop.org.permissions), and
    expires (CXLOOP_API_TOKEN_DAYS after creation unless its creator picked a shorter life).
    """

    class Scope(models.TextChoices):
        INGEST = "ingest", _("Ingest: send feedback")
        READ = "read", _("Read: feedback, cases, signals, initiatives, decisions")
        CASES = "cases", _("Cases: act on cases and the loop's other work")
        METRICS = "metrics", _("Metrics: NPS, CSAT, CES and loop-closure reports")

    name = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    is_integration = models.BooleanField(default=False)
    scopes = ArrayField(models.CharField(max_length=16, choices=Scope.choices), default=list)
    key_prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    # After a rotation the replaced key keeps working until previous_key_valid_until (a grace for
    # swapping the key in a running integration; none by default), then never again; its hash is
    # kept so that a client still sending it is told apart from a guesser (throttle.py).
    previous_key_hash = models.CharField(max_length=64, blank=True, db_index=True)
    previous_key_valid_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    rotated_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scopes__contained_by=["ingest", "read", "cases", "metrics"], scopes__len__gte=1),
                name="api_token_scopes_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    def get_scopes_display(self) -> str:
        labels = dict(self.Scope.choices)
        return ", ".join(str(labels.get(scope, scope)).split(":")[0] for scope in self.scopes)


class UserSession(models.Model):
    """The register of signed-in sessions, so a person's sessions can be listed and ended.

    One row per session of a signed-in person: written at sign-in, carried over when the session id
    rotates (cxloop.org.session_store) and deleted with its session (sign-out, expiry, ending).
    """

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="register")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sessions_register"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.user} · since {self.created_at:%Y-%m-%d %H:%M}"


class Preference(models.Model):
    """A person's own settings: the interface language (blank: the organisation's default)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference")
    language = models.CharField(max_length=10, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.user} · {self.language or 'default language'}"


class Invitation(models.Model):
    """An admin's invitation to join in a role: an email with a one-time link that sets a password.

    Only a hash of the link's token is kept; the link works once, until it expires or is withdrawn.
    """

    email = models.EmailField()
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    language = models.CharField(max_length=10, blank=True, default="")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="invitation_role_valid"),
            models.CheckConstraint(condition=ROLE_SCOPE, name="invitation_scope_matches_role"),
            # One open invitation per address: a second one replaces the first (withdraw, then invite).
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(accepted_at__isnull=True, withdrawn_at__isnull=True),
                name="invitation_one_open_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} · {self.get_role_display()}"
