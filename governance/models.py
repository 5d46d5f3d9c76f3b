"""The steering committee: seats, meetings, decisions with votes, action items, system reviews."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cxloop.org import names
from cxloop.org.models import Department
from outerloop.models import Initiative


class Committee(models.Model):
    name = models.CharField(max_length=120, unique=True)
    # Votes needed to carry a decision; empty means a majority of the seats.
    quorum = models.PositiveSmallIntegerField(null=True, blank=True)
    # An initiative in one stage longer than this is "stalled" on the agenda.
    stall_days = models.PositiveSmallIntegerField(default=60)

    def __str__(self) -> str:
        return self.name

    def votes_needed(self, *, seats: int) -> int:
        return self.quorum or seats // 2 + 1


class CommitteeSeat(models.Model):
    """One accountable member per department."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="seats")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="committee_seats")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="committee_seats"
    )

    class Meta:
        ordering = ["department__name"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "department"], name="seat_one_per_department"),
        ]

    def __str__(self) -> str:
        return f"{self.department}: {self.holder}"


class Meeting(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="meetings")
    scheduled_for = models.DateTimeField(db_index=True)
    held_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    # The agenda as it stood when the meeting was held (while upcoming it is built live).
    agenda_snapshot = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-scheduled_for"]

    def __str__(self) -> str:
        return f"{self.committee} · {self.scheduled_for:%Y-%m-%d}"


class Outcome(models.TextChoices):
    APPROVED = "approved", _("Approve")
    DEFERRED = "deferred", _("Defer")
    REJECTED = "rejected", _("Reject")


class Decision(models.Model):
    """The committee's decision on one proposed initiative: open until one outcome reaches quorum."""

    Outcome = Outcome

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DECIDED = "decided", _("Decided")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # The meeting where it is (or was) voted on: an open decision moves to the next meeting when
    # its meeting is held (governance.services.meeting_hold), its votes so far with it.
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    # The meeting it last moved from, when it was carried over.
    carried_from = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions_carried_on"
    )
    initiative = models.ForeignKey(Initiative, on_delete=models.PROTECT, related_name="decisions")
    rationale = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "decided", "withdrawn"]), name="decision_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "withdrawn"], outcome="")
                | Q(status="decided", outcome__in=Outcome.values),
                name="decision_outcome_when_decided",
            ),
            models.UniqueConstraint(
                fields=["initiative"], condition=Q(status="open"), name="decision_one_open_per_initiative"
            ),
        ]

    def __str__(self) -> str:
        return f"Decision on {self.initiative}: {self.get_outcome_display() or self.get_status_display()}"

    @property
    def outcome_label(self) -> str:
        """What the decision log says of it: "Approved", "Deferred", "Rejected", "Withdrawn", "Vote open"."""
        if self.status == self.Status.DECIDED:
            said = {"approved": _("Approved"), "deferred": _("Deferred"), "rejected": _("Rejected")}
            return str(said[self.outcome])
        return str(_("Withdrawn") if self.status == self.Status.WITHDRAWN else _("Vote open"))


def person_name(user) -> str:
    """How governance pages and the decision log name someone."""
    return names.person_name(user) if user else "someone since removed"


class MeetingProxy(models.Model):
    """The person a seat's holder names to cast the seat's votes at one meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="proxies")
    seat = models.ForeignKey(CommitteeSeat, on_delete=models.CASCADE, related_name="proxies")
    proxy = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="committee_proxies"
    )
    # The holder at the time; once the seat changes hands the proxy lapses (see seats_voted_by).
    named_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    named_at = models.DateTimeField()

    class Meta:
        ordering = ["seat__department__name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "seat"], name="proxy_one_per_seat_per_meeting"),
            models.CheckConstraint(condition=~Q(proxy=F("named_by")), name="proxy_not_the_holder"),
        ]

    def __str__(self) -> str:
        return f"{self.seat.department}: {person_name(self.proxy)} (named by {person_name(self.named_by)})"


class CastAs(models.TextChoices):
    HOLDER = "holder", _("Seat holder")
    PROXY = "proxy", _("Proxy")
    # Before #12 the committee (as secretary) and admins recorded any seat's vote; such votes
    # were migrated as this, since nobody can say now whether the holder asked for it.
    RECORDED = "recorded", _("Recorded for the seat")


class Vote(models.Model):
    """One seat's vote, cast by the seat's holder or by the proxy the holder named for the meeting."""

    CastAs = CastAs

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="votes")
    seat = models.ForeignKey(CommitteeSeat, on_delete=models.PROTECT, related_name="votes")
    choice = models.CharField(max_length=8, choices=Outcome.choices)
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    cast_as = models.CharField(max_length=8, choices=CastAs.choices, default=CastAs.HOLDER)
    # The holder who named the proxy, when cast by one (empty too if that person was deleted).
    proxy_for = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "seat"], name="vote_one_per_seat"),
            models.CheckConstraint(condition=Q(choice__in=Outcome.values), name="vote_choice_valid"),
            models.CheckConstraint(condition=Q(cast_as__in=CastAs.values), name="vote_cast_as_valid"),
            models.CheckConstraint(
                condition=Q(cast_as=CastAs.PROXY) | Q(proxy_for__isnull=True),
                name="vote_proxy_for_only_when_cast_as_proxy",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seat.department}: {self.choice}"

    @property
    def cast_description(self) -> str:
        """How the decision log says who cast it: "cast by Ana Silva as proxy for Tom Reed"."""
        if self.cast_as == self.CastAs.PROXY:
            return f"cast by {person_name(self.cast_by)} as proxy for {person_name(self.proxy_for)}"
        if self.cast_as == self.CastAs.RECORDED:
            return f"recorded by {person_name(self.cast_by)} for the seat"
        return f"cast by {person_name(self.cast_by)}"

    @property
    def log_entry(self) -> str:
        """One line of the decision log: "Logistics & returns: approve (cast by …)"."""
        return f"{self.seat.department}: {self.get_choice_display().lower()} ({self.cast_description})"


class ActionItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="action_items")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="action_items"
    )
    initiative = models.ForeignKey(
        Initiative, null=True, blank=True, on_delete=models.SET_NULL, related_name="action_items"
    )
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


class SystemReview(models.Model):
    """A review of the whole programme; one is due every 18 to 24 months."""

    held_on = models.DateField()
    summary = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"System review {self.held_on}"
