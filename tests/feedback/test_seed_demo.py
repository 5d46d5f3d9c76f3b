"""`manage.py seed_demo`: a believable organisation, plausible feedback, idempotent and deterministic."""

import hashlib
import io
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, F, Q
from django.test import RequestFactory

from cxloop.core.demo import DEMO_PASSWORD, DEMO_USERNAMES
from cxloop.org.models import Department, Membership, Role, Team
from feedback.demo import CONTROL_CATEGORIES, PLANTED_SIGNALS
from feedback.models import Customer, Feedback, Source

pytestmark = pytest.mark.django_db

# A fixed end makes every run of a given seed identical, whatever the clock says.
END = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)
SMALL = ("--feedback", "2000", "--customers", "500", "--end", END.isoformat())


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *SMALL, *args, stdout=out)
    return out.getvalue()


def _digest() -> str:
    rows = Feedback.objects.order_by("source__slug", "external_id").values_list(
        "source__slug", "external_id", "scale", "score", "comment", "occurred_at", "customer__external_id"
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def _digest_of_a_run(*args: str) -> str:
    """Seed inside a savepoint, digest the feedback, then roll the savepoint back."""
    with transaction.atomic():
        _seed(*args)
        digest = _digest()
        transaction.set_rollback(True)
    return digest


@pytest.fixture
def seeded() -> str:
    return _seed()


def _membership(username: str) -> Membership:
    return Membership.objects.select_related("team__department", "department").get(user__username=username)


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_demo_logins_authenticate_with_the_demo_password(seeded, username):
    # given
    request = RequestFactory().post("/accounts/login/")

    # when
    user = authenticate(request=request, username=username, password=DEMO_PASSWORD)

    # then
    assert user is not None
    assert user.username == username


def test_demo_logins_hold_the_promised_roles(seeded):
    # given
    agent, lead, manager = _membership("agent"), _membership("lead"), _membership("manager")
    committee, admin = _membership("committee"), _membership("admin")

    # when
    admin_user = get_user_model().objects.get(username="admin")

    # then
    assert (agent.role, lead.role, manager.role) == (Role.AGENT, Role.TEAM_LEAD, Role.MANAGER)
    assert agent.team_id is not None
    assert lead.team_id == agent.team_id
    assert manager.department_id == agent.team.department_id
    assert committee.role == Role.COMMITTEE
    assert committee.department_id is not None
    assert admin.role == Role.ADMIN
    assert admin_user.is_staff
    assert admin_user.is_superuser


def test_only_the_demo_logins_have_usable_passwords(seeded):
    # given
    users = get_user_model().objects.all()

    # when
    usable = {user.username for user in users if user.has_usable_password()}

    # then
    assert usable == set(DEMO_USERNAMES)


def test_the_organisation_is_believable(seeded):
    # given
    teams = list(Team.objects.all())

    # when
    people = get_user_model().objects.annotate(roles=Count("memberships"))

    # then
    assert Department.objects.count() >= 3
    assert len(teams) >= 6
    assert {team.timezone for team in teams} <= zoneinfo.available_timezones()
    assert "UTC" not in {team.timezone for team in teams}
    assert people.count() >= 30
    assert not people.filter(roles=0).exists()
    assert not people.filter(first_name="").exists()


def test_every_source_kind_has_a_source_with_feedback(seeded):
    # given
    kinds = set(Source.Kind.values)

    # when
    with_feedback = set(Feedback.objects.values_list("source__kind", flat=True).distinct())

    # then
    assert set(Source.objects.values_list("kind", flat=True)) == kinds
    assert with_feedback == kinds


def test_nps_mix_is_plausible(seeded):
    # given
    nps = Feedback.objects.nps()

    # when
    total, promoters, detractors = nps.count(), nps.promoters().count(), nps.detractors().count()

    # then
    assert total > 400
    assert 0.35 <= promoters / total <= 0.55
    assert 0.15 <= detractors / total <= 0.35


def test_every_row_is_routed_and_tied_to_a_customer_unless_employee(seeded):
    # given
    feedback = Feedback.objects.all()

    # when
    unrouted = feedback.filter(
        Q(team__isnull=True) | Q(touchpoint__isnull=True) | Q(journey_stage__isnull=True)
    )
    misrouted = feedback.exclude(team=F("touchpoint__owning_team"))
    employee = feedback.filter(source__kind=Source.Kind.EMPLOYEE)

    # then
    assert feedback.count() > 1900
    assert not unrouted.exists()
    assert not misrouted.exists()
    assert not feedback.exclude(source__kind=Source.Kind.EMPLOYEE).filter(customer__isnull=True).exists()
    assert employee.exists()
    assert not employee.filter(Q(customer__isnull=False) | Q(scale__isnull=False)).exists()


def test_comments_categories_and_shout_outs_fit_the_scores(seeded):
    # given
    nps = Feedback.objects.nps()
    staff_names = set(get_user_model().objects.values_list("first_name", flat=True))

    # when
    promoter_comments = list(nps.promoters().exclude(comment="").values_list("comment", flat=True))
    shout_outs = [
        comment for comment in promoter_comments if set(comment.replace(".", " ").split()) & staff_names
    ]

    # then
    assert nps.filter(comment="").exists()
    assert nps.detractors().filter(confirmed_category__isnull=False).exists()
    assert not nps.promoters().filter(confirmed_category__isnull=False).exists()
    assert not Feedback.objects.filter(confirmed_category__isnull=False, comment="").exists()
    assert not Feedback.objects.filter(
        confirmed_category__isnull=False, confirmed_category__parent=None
    ).exists()
    assert len(shout_outs) >= 5


def test_second_run_creates_nothing(seeded):
    # given
    before = (Feedback.objects.count(), Customer.objects.count(), get_user_model().objects.count())

    # when
    output = _seed()

    # then
    assert "already present" in output
    assert (Feedback.objects.count(), Customer.objects.count(), get_user_model().objects.count()) == before


def test_same_seed_gives_the_same_data():
    # given
    first = _digest_of_a_run()

    # when
    second = _digest_of_a_run()

    # then
    assert second == first


def test_another_seed_gives_other_data():
    # given
    first = _digest_of_a_run()

    # when
    second = _digest_of_a_run("--seed", "7")

    # then
    assert second != first


def _rate(feedback, *, category: str, start: datetime, stop: datetime) -> float:
    """Share of the feedback in [start, stop) confirmed as `category`."""
    window = feedback.filter(occurred_at__gte=start, occurred_at__lt=stop)
    return window.filter(confirmed_category__slug=category).count() / window.count()


def test_planted_signals_rise_and_controls_stay_flat():
    # given
    _seed("--feedback", "50000")
    before = timedelta(weeks=12)
    month = timedelta(days=28)

    # when
    rises = {
        signal.category: _rate(
            Feedback.objects.filter(touchpoint__slug__in=signal.touchpoints),
            category=signal.category,
            start=END - timedelta(days=signal.days),
            stop=END,
        )
        / _rate(
            Feedback.objects.filter(touchpoint__slug__in=signal.touchpoints),
            category=signal.category,
            start=END - timedelta(days=signal.days) - before,
            stop=END - timedelta(days=signal.days),
        )
        for signal in PLANTED_SIGNALS
    }
    controls = {
        category: _rate(Feedback.objects.all(), category=category, start=END - month, stop=END)
        / _rate(Feedback.objects.all(), category=category, start=END - month - before, stop=END - month)
        for category in CONTROL_CATEGORIES
    }
    late_teams = (
        Feedback.objects.filter(confirmed_category__slug="late-delivery", occurred_at__gte=END - month)
        .values("team")
        .distinct()
        .count()
    )

    # then
    assert all(rises[signal.category] >= 1 + (signal.factor - 1) / 3 for signal in PLANTED_SIGNALS), rises
    assert all(0.6 <= ratio <= 1.5 for ratio in controls.values()), controls
    assert late_teams >= 3


def test_refuses_to_take_over_an_existing_login():
    # given
    get_user_model().objects.create_user(username="admin", password="someone-elses")

    # when / then
    with pytest.raises(CommandError, match="admin"):
        _seed()
    assert not Team.objects.exists()
    assert get_user_model().objects.get(username="admin").check_password("someone-elses")


def test_refuses_to_run_with_production_settings(settings):
    # given
    settings.CXLOOP_PRODUCTION = True

    # when / then
    with pytest.raises(CommandError, match="production"):
        _seed()
    assert not Feedback.objects.exists()


def test_the_committee_has_a_seat_per_department_and_a_next_meeting(seeded, client):
    # given
    from governance.models import Committee

    committee = Committee.objects.get()
    # then: each department's committee member holds its seat; the demo login holds one of them
    seats = {seat.department_id: seat.holder.username for seat in committee.seats.select_related("holder")}
    assert set(seats) == set(Department.objects.values_list("pk", flat=True))
    assert _membership("committee").department_id in seats
    assert seats[_membership("committee").department_id] == "committee"
    assert committee.meetings.filter(held_at__isnull=True, scheduled_for__gt=END).count() == 1
    # and the committee login opens its page
    client.force_login(get_user_model().objects.get(username="committee"))
    assert client.get("/committee/").status_code == 200


def test_the_demo_case_history_was_worked_at_varied_speeds(seeded):
    # given
    from innerloop.models import Case

    cases = list(
        Case.objects.filter(first_contacted_at__isnull=False).values_list("created_at", "first_contacted_at")
    )
    # then: contact times differ case by case, a few of them past the 24-hour target
    delays = sorted(contacted - opened for opened, contacted in cases)
    assert len(cases) > 20
    assert len(set(delays)) > len(delays) // 2
    assert delays[len(delays) // 2] < delays[len(delays) * 9 // 10]
