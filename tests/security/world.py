"""Two departments for security tests: ours (A) and a foreign one (B), with one of everything in B.

Every object of department B (its department, team, people, feedback, customer, case, huddle,
signal, initiative, decision, import, token, notification...) has the same primary key, FOREIGN,
so any `<int:...>` in any route names an object of B, whichever model the route reads. Each
carries a CANARY string in its text, so a response that shows it has leaked it. Rows pointing at
FOREIGN through a foreign key are B's too: `foreign_digest` fingerprints all of them, so a write
by an outsider shows as a changed digest.
"""

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import models
from django.test import Client
from django.utils import timezone

from cxloop.notifications.models import Notification
from cxloop.org.models import ApiToken, Department, Membership, Role, Team
from cxloop.org.services import api_token_create
from feedback.models import Category, Customer, Feedback, JourneyStage, Source, Touchpoint
from feedback.models.imports import ImportJob
from governance.models import Committee, CommitteeSeat, Decision, Meeting
from innerloop.models import Case, CaseEvent, CaseKind, SlaPolicy
from innerloop.models.huddles import Commitment, Huddle, Obstacle
from outerloop.models import Initiative, Milestone, Signal

FOREIGN = 900_001
# Objects of the whole organisation, not of a department (the committee's meetings): every route
# is also tried with this id, for server errors and leaks, but a 2xx for it is no violation.
SHARED = 900_002
# Our own team's objects that carry personal data, for the masking canary.
OURS = 800_001
CANARY = "Zqxforeigncanary"
FOREIGN_SLUG = "foreign-b"
FOREIGN_SUBMISSION = uuid.UUID(int=FOREIGN)
# Personal data planted in our own team's feedback: the masking canary looks for these.
PII_EMAIL = "canary.person@example.test"
PII_PHONE = "+44 7700 900461"
PII_CARD = "4111 1111 1111 1111"
PII_COMMENT = f"Call me on {PII_PHONE} or write to {PII_EMAIL}; I paid with card {PII_CARD}."
PASSWORD = "correct horse battery staple"

# Tables whose rows are logs of requests, not data: outsiders' refused attempts may add to them.
LOG_MODELS = frozenset({"core.auditevent", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"})


@dataclass
class World:
    ours: dict = field(default_factory=dict)
    theirs: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)  # principal name -> API token key

    def client(self, principal: str) -> Client:
        """A client acting as one kind of principal (sessions for people, headers for tokens)."""
        if principal == "anonymous":
            return Client()
        if principal in ("integration token", "personal token"):
            return Client(headers={"Authorization": f"Token {self.keys[principal]}"})
        client = Client()
        client.force_login(self.ours[principal])
        return client


OUTSIDERS = ("anonymous", "agent", "lead", "manager", "integration token", "personal token")
INSIDERS = ("committee", "admin")
PRINCIPALS = OUTSIDERS + INSIDERS


def _user(username: str, *, pk: int | None = None, **extra):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.test", pk=pk, **extra
    )
    return user


def build_world() -> World:
    world = World()
    dept_a = Department.objects.create(slug="dept-a", name="Department A")
    team_a = Team.objects.create(slug="team-a1", name="Team A1", department=dept_a)
    dept_b = Department.objects.create(pk=FOREIGN, slug=FOREIGN_SLUG, name="Department B")
    team_b = Team.objects.create(pk=FOREIGN, slug=FOREIGN_SLUG, name="Team B1", department=dept_b)

    ours = world.ours
    ours["team"] = team_a
    for name, role in (("agent", Role.AGENT), ("lead", Role.TEAM_LEAD)):
        ours[name] = _user(f"a-{name}", first_name=name.title())
        Membership.objects.create(user=ours[name], role=role, team=team_a)
    ours["manager"] = _user("a-manager")
    Membership.objects.create(user=ours["manager"], role=Role.MANAGER, department=dept_a)
    ours["committee"] = _user("committee-member")
    Membership.objects.create(user=ours["committee"], role=Role.COMMITTEE, department=dept_a)
    ours["admin"] = _user("the-admin", is_staff=True, is_superuser=True)
    Membership.objects.create(user=ours["admin"], role=Role.ADMIN)

    theirs = world.theirs
    theirs["lead"] = _user("b-lead", pk=FOREIGN, first_name="Bea")
    Membership.objects.create(user=theirs["lead"], role=Role.TEAM_LEAD, team=team_b)

    store = Source.objects.create(slug="store-notes", name="Store notes", kind=Source.Kind.STORE)
    survey = Source.objects.create(slug="nps-survey", name="NPS survey", kind=Source.Kind.SURVEY)
    stage = JourneyStage.objects.create(slug="receive", name="Receive", position=1)
    touchpoint = Touchpoint.objects.create(slug="delivery", name="Delivery", owning_team=team_a)
    category = Category.objects.create(slug="late-delivery", name="Late delivery")
    kind = CaseKind.objects.get_or_create(slug="detractor_recovery", defaults={"name": "Detractor recovery"})[
        0
    ]
    policy = SlaPolicy.objects.get_or_create(
        slug="day", defaults={"name": "A day", "first_contact_minutes": 1440, "resolution_minutes": 7200}
    )[0]
    now = timezone.now()

    # --- ours: a little of everything, with personal data in a comment -------------------------
    customer = Customer.objects.create(
        pk=OURS, external_id="C-ours", name="Our Customer", email=PII_EMAIL, phone=PII_PHONE
    )
    ours["customer"] = customer
    ours["feedback"] = Feedback.objects.create(
        pk=OURS, source=store, external_id="ours-1", scale="nps", score=2, comment=PII_COMMENT,
        occurred_at=now - timedelta(hours=2), team=team_a, customer=customer, journey_stage=stage,
        touchpoint=touchpoint,
    )  # fmt: skip
    ours["case"] = Case.objects.create(
        pk=OURS, feedback=ours["feedback"], kind=kind, team=team_a, customer=customer, sla_policy=policy,
        due_at=now + timedelta(hours=20), first_contact_due_at=now + timedelta(hours=20),
        resolution_due_at=now + timedelta(days=5),
    )  # fmt: skip
    ours["huddle"] = Huddle.objects.create(
        pk=OURS, team=team_a, scheduled_at=now + timedelta(hours=1), period_start=now - timedelta(days=6),
        period_end=now + timedelta(hours=1),
    )  # fmt: skip

    # --- theirs: one of everything, each at FOREIGN, each with the canary ----------------------
    theirs["customer"] = Customer.objects.create(
        pk=FOREIGN, external_id="C-theirs", name=f"{CANARY} customer", email="theirs@example.test"
    )
    theirs["feedback"] = Feedback.objects.create(
        pk=FOREIGN, source=store, external_id=f"form-{FOREIGN_SUBMISSION}", scale="nps", score=1,
        comment=f"{CANARY} feedback", occurred_at=now - timedelta(hours=1), team=team_b,
        customer=theirs["customer"], journey_stage=stage, confirmed_category=category,
    )  # fmt: skip
    theirs["case"] = Case.objects.create(
        pk=FOREIGN, feedback=theirs["feedback"], kind=kind, team=team_b, customer=theirs["customer"],
        sla_policy=policy, due_at=now + timedelta(hours=20), first_contact_due_at=now + timedelta(hours=20),
        resolution_due_at=now + timedelta(days=5), assignee=theirs["lead"],
    )  # fmt: skip
    CaseEvent.objects.create(
        case=theirs["case"], kind="note", actor=theirs["lead"], data={"text": f"{CANARY} note"}
    )
    theirs["huddle"] = Huddle.objects.create(
        pk=FOREIGN, team=team_b, scheduled_at=now + timedelta(days=2), period_start=now - timedelta(days=5),
        period_end=now + timedelta(days=2), notes=f"{CANARY} huddle notes",
    )  # fmt: skip
    Commitment.objects.create(
        pk=FOREIGN, huddle=theirs["huddle"], team=team_b, text=f"{CANARY} commitment", owner=theirs["lead"],
        due_on=timezone.localdate() + timedelta(days=7),
    )  # fmt: skip
    Obstacle.objects.create(pk=FOREIGN, huddle=theirs["huddle"], team=team_b, text=f"{CANARY} obstacle",
                            raised_by=theirs["lead"])  # fmt: skip
    theirs["signal"] = Signal.objects.create(
        pk=FOREIGN, key=f"root_cause:{FOREIGN}:any", title=f"{CANARY} signal", category=category,
        rising=True, department_ids=[FOREIGN], departments=1, teams=1,
    )  # fmt: skip
    theirs["initiative"] = Initiative.objects.create(
        pk=FOREIGN, title=f"{CANARY} initiative", problem=f"{CANARY} problem", owner=theirs["lead"],
        stage_changed_at=now,
    )  # fmt: skip
    theirs["initiative"].departments.set([dept_b])
    Milestone.objects.create(pk=FOREIGN, initiative=theirs["initiative"], title=f"{CANARY} milestone",
                             due_on=timezone.localdate() + timedelta(days=30))  # fmt: skip
    committee = Committee.objects.create(name="Committee")
    seat = CommitteeSeat.objects.create(
        pk=FOREIGN, committee=committee, department=dept_b, holder=theirs["lead"]
    )
    CommitteeSeat.objects.create(committee=committee, department=dept_a, holder=ours["committee"])
    meeting = Meeting.objects.create(pk=SHARED, committee=committee, scheduled_for=now + timedelta(days=3))
    theirs["decision"] = Decision.objects.create(
        pk=FOREIGN, meeting=meeting, initiative=theirs["initiative"], rationale=f"{CANARY} rationale"
    )
    theirs["seat"] = seat
    ImportJob.objects.create(
        pk=FOREIGN, file="imports/foreign.csv", original_name=f"{CANARY}.csv", sha256="0" * 64, size=10,
        format="csv", source=store, created_by=theirs["lead"],
    )  # fmt: skip
    token, _ = api_token_create(created_by=theirs["lead"], name=f"{CANARY} token")
    ApiToken.objects.filter(pk=token.pk).update(id=FOREIGN)
    Notification.objects.create(
        pk=FOREIGN, user=theirs["lead"], key=f"foreign:{FOREIGN}", kind="case_opened", title=f"{CANARY} alert"
    )

    # --- the two token principals ---------------------------------------------------------------
    integration, world.keys["integration token"] = api_token_create(
        created_by=ours["admin"], name="survey tool", integration=True
    )
    survey.integration_tokens.add(integration)
    _, world.keys["personal token"] = api_token_create(created_by=ours["agent"], name="agent's script")
    world.ours["category"] = category
    return world


def grant_personal_data(user) -> None:
    user.user_permissions.add(Permission.objects.get(codename="view_personal_data"))


def _points_at_foreign(model) -> list[str]:
    """The model's foreign-key columns that point at models B owns (customers are shared: anyone
    may tie feedback to one, so rows pointing at B's customer are not B's)."""
    return [
        f.attname
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey) and f.related_model is not Customer
    ]


def foreign_digest() -> str:
    """A fingerprint of everything B owns: rows at FOREIGN, and rows pointing at them."""
    digest = hashlib.sha256()
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label_lower):
        if model._meta.label_lower in LOG_MODELS or not model._meta.managed:
            continue
        condition = models.Q(pk=FOREIGN)
        for column in _points_at_foreign(model):
            condition |= models.Q(**{column: FOREIGN})
        rows = model._default_manager.filter(condition).order_by("pk").values()
        for row in rows:
            row.pop("last_used_at", None)
            digest.update(f"{model._meta.label_lower}:{sorted(row.items())!r}".encode())
    return digest.hexdigest()
