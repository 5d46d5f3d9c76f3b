"""Huddles: the summary snapshot, scheduling, recording, escalations and the manager's review board."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import factory
import pytest
from django.utils import timezone
from freezegun import freeze_time

from cxloop.notifications.models import EmailMessage
from cxloop.org.models import Role
from innerloop.huddles import services
from innerloop.huddles.selectors import obstacles_escalated, review_board
from innerloop.huddles.summary import huddle_summary, names_mentioned
from innerloop.models import CaseStatus
from innerloop.models.huddles import (
    Commitment,
    CommitmentState,
    Huddle,
    HuddleCadence,
    HuddleEvent,
    HuddleStatus,
    Obstacle,
)
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    FeedbackFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
)

from .factories import CaseFactory

pytestmark = pytest.mark.django_db


class HuddleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Huddle

    team = factory.SubFactory(TeamFactory)
    scheduled_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=2))
    period_end = factory.LazyAttribute(lambda huddle: huddle.scheduled_at)
    period_start = factory.LazyAttribute(lambda huddle: huddle.scheduled_at - timedelta(days=7))


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment

    huddle = factory.SubFactory(HuddleFactory)
    team = factory.LazyAttribute(lambda commitment: commitment.huddle.team)
    text = factory.Sequence(lambda n: f"Commitment {n}")
    owner = factory.SubFactory(UserFactory)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=7))


def held(huddle: Huddle, *, by) -> Huddle:
    return services.huddle_record(huddle=huddle, actor=by, attendees=[by], notes="")


# --- The summary ---


@pytest.fixture
def crafted(org, people):
    """Team A1's period: a named shout-out, a detractor, overdue and recovered cases, earlier promises."""
    team = org["team_a1"]
    priya = UserFactory(username="priya", first_name="Priya")
    MembershipFactory(user=priya, role=Role.AGENT, team=team)
    huddle = HuddleFactory(team=team)
    in_period = huddle.period_end - timedelta(days=1)
    before = huddle.period_start - timedelta(days=1)
    FeedbackFactory(team=team, score=10, comment="Priya sorted it out in minutes!", occurred_at=in_period)
    FeedbackFactory(team=team, score=9, comment="Good service overall.", occurred_at=in_period)
    FeedbackFactory(team=team, score=2, comment="Waited three weeks for a refund.", occurred_at=in_period)
    FeedbackFactory(team=team, score=8, comment="", occurred_at=in_period)
    FeedbackFactory.create_batch(3, team=team, score=3, comment="", occurred_at=before)
    FeedbackFactory(team=org["team_b1"], score=0, comment="Other team's problem", occurred_at=in_period)
    overdue = CaseFactory(team=team, due_at=timezone.now() - timedelta(hours=3))
    CaseFactory(team=team)
    refunds, delivery = CategoryFactory(name="Refunds"), CategoryFactory(name="Delivery")
    resolved = {"status": CaseStatus.RESOLVED, "resolution_note": "Sorted", "resolved_at": in_period}
    recovered = CaseFactory(team=team, root_cause=refunds, recovery_score=9, **resolved)
    CaseFactory(team=team, root_cause=refunds, recovery_score=4, **resolved)
    CaseFactory(team=team, root_cause=delivery, **resolved)
    last = HuddleFactory(team=team, scheduled_at=huddle.scheduled_at - timedelta(days=7))
    held(last, by=people["lead"])
    late = CommitmentFactory(huddle=last, owner=priya, due_on=timezone.localdate() - timedelta(days=1))
    done = CommitmentFactory(huddle=last, owner=people["agent"], state=CommitmentState.DONE)
    return {"huddle": huddle, "overdue": overdue, "recovered": recovered, "late": late, "done": done}


def test_summary_holds_the_periods_highlights(crafted):
    # when
    summary = huddle_summary(huddle=crafted["huddle"])
    # then: NPS now (2 promoters, 1 passive, 1 detractor) and before (3 detractors)
    assert summary["nps"]["current"] | {"ci_low": None, "ci_high": None} == {
        "n": 4, "promoters": 2, "passives": 1, "detractors": 1, "nps": 25.0, "ci_low": None, "ci_high": None,
        "low_sample": True,
    }  # fmt: skip
    assert summary["nps"]["previous"]["nps"] == -100.0
    assert summary["nps"]["trend"]["difference"] == 125.0
    # and the shout-out naming staff comes first, with the name
    assert summary["shout_outs"][0]["comment"] == "Priya sorted it out in minutes!"
    assert summary["shout_outs"][0]["names"] == ["Priya"]
    assert [item["comment"] for item in summary["learning_moments"]] == ["Waited three weeks for a refund."]
    # and the cases
    cases = summary["cases"]
    assert (cases["open"], cases["overdue"], cases["resolved"], cases["recovered"]) == (2, 1, 3, 1)
    assert [row["case_id"] for row in cases["overdue_cases"]] == [crafted["overdue"].pk]
    assert [(row["name"], row["count"]) for row in cases["top_root_causes"]] == [
        ("Refunds", 2),
        ("Delivery", 1),
    ]
    assert [row["case_id"] for row in cases["recovered_cases"]] == [crafted["recovered"].pk]
    # and last huddle's commitments with their state
    commitments = {row["commitment_id"]: row for row in summary["last_huddle"]["commitments"]}
    assert commitments[crafted["late"].pk]["state"] == "open"
    assert commitments[crafted["late"].pk]["overdue"] is True
    assert commitments[crafted["done"].pk]["state"] == "done"


@pytest.mark.parametrize(
    ("comment", "expected"),
    [("Thanks PRIYA!", ["Priya"]), ("Priyanka helped", []), ("priya and Sam", ["Priya", "Sam"])],
)
def test_names_are_matched_as_whole_words(comment, expected):
    assert names_mentioned(comment, {"priya": 1, "sam": 2}) == expected


def test_prepare_stores_a_snapshot_and_emails_the_lead_once(
    crafted, people, django_capture_on_commit_callbacks
):
    # given
    lead = people["lead"]
    lead.email = "lead@example.test"
    lead.save(update_fields=["email"])
    huddle = crafted["huddle"]
    # when
    with django_capture_on_commit_callbacks(execute=False):
        first = services.huddle_prepare(huddle_id=huddle.pk)
        again = services.huddle_prepare(huddle_id=huddle.pk)
    # then
    huddle.refresh_from_db()
    assert (first, again) == (True, False)
    assert huddle.status == HuddleStatus.PREPARED
    assert huddle.summary["cases"]["overdue"] == 1
    email = EmailMessage.objects.get()
    assert email.key == f"huddle-summary:{huddle.pk}:{lead.pk}"
    assert email.to == "lead@example.test"
    assert "Priya sorted it out" in email.body
    assert list(huddle.events.values_list("kind", flat=True)) == [HuddleEvent.Kind.PREPARED]
    # and a rebuild snapshots again but never emails twice
    assert services.huddle_prepare(huddle_id=huddle.pk, force=True) is True
    assert EmailMessage.objects.count() == 1


# --- Scheduling ---


def test_planning_is_idempotent_and_follows_the_team_clock(org):
    # given: team A1 meets on Wednesdays at 10:00 London time; the others keep the weekly default
    HuddleCadence.objects.create(team=org["team_a1"], weekday=2, local_time=time(10, 0))
    now = datetime(2026, 7, 6, 12, 0, tzinfo=UTC)  # a Monday
    # when
    services.huddles_plan(now=now)
    services.huddles_plan(now=now)
    services.huddles_plan(now=now + timedelta(minutes=15))
    # then: one huddle per team, scheduled once
    assert Huddle.objects.count() == 3
    huddle = Huddle.objects.get(team=org["team_a1"])
    assert huddle.scheduled_at.astimezone(ZoneInfo("Europe/London")) == datetime(
        2026, 7, 8, 10, 0, tzinfo=ZoneInfo("Europe/London")
    )
    assert huddle.period_end - huddle.period_start == timedelta(days=7)
    assert HuddleEvent.objects.filter(kind=HuddleEvent.Kind.SCHEDULED).count() == 3
    assert not Huddle.objects.filter(summary_built_at__isnull=False).exists()


def test_planning_prepares_huddles_coming_due_once_and_schedules_the_next(org):
    # given
    team = org["team_a1"]
    now = datetime(2026, 7, 6, 12, 0, tzinfo=UTC)
    services.huddles_plan(now=now)
    huddle = Huddle.objects.get(team=team)
    # when: a few hours before it, twice
    almost = huddle.scheduled_at - timedelta(hours=2)
    first, second = services.huddles_plan(now=almost), services.huddles_plan(now=almost)
    # then
    assert first["prepared"] >= 1
    assert second["prepared"] == 0
    assert HuddleEvent.objects.filter(huddle=huddle, kind=HuddleEvent.Kind.PREPARED).count() == 1
    # and once it has passed, the following week's is scheduled
    services.huddles_plan(now=huddle.scheduled_at + timedelta(minutes=1))
    following = Huddle.objects.filter(team=team).order_by("scheduled_at").last()
    assert following.scheduled_at - huddle.scheduled_at == timedelta(days=7)


def test_the_task_runs_the_plan(org):
    from innerloop.tasks import huddles_plan

    assert huddles_plan()["scheduled"] == 3


# --- Held or missed ---


@pytest.mark.parametrize(
    ("hours_ago", "record", "outcome"),
    [(-2, False, "upcoming"), (1, False, "due"), (48, False, "missed"), (48, True, "held")],
)
def test_huddle_outcome(org, people, hours_ago, record, outcome):
    huddle = HuddleFactory(team=org["team_a1"], scheduled_at=timezone.now() - timedelta(hours=hours_ago))
    if record:
        held(huddle, by=people["lead"])
    huddle.refresh_from_db()
    assert huddle.outcome == outcome


def test_review_board_shows_each_teams_last_huddle_held_or_missed(org, people):
    # given
    old = HuddleFactory(team=org["team_a1"], scheduled_at=timezone.now() - timedelta(days=9))
    held(old, by=people["lead"])
    missed = HuddleFactory(team=org["team_a1"], scheduled_at=timezone.now() - timedelta(days=2))
    HuddleFactory(team=org["team_a1"], scheduled_at=timezone.now() + timedelta(days=5))
    CommitmentFactory(huddle=old, owner=people["agent"], due_on=date(2020, 1, 1))
    CommitmentFactory(huddle=old, owner=people["agent"])
    obstacle = services.obstacle_create(
        huddle=old, actor=people["lead"], text="No refund authority", escalate=True
    )
    HuddleFactory(team=org["team_b1"], scheduled_at=timezone.now() - timedelta(days=2))
    # when
    board = {row.team.slug: row for row in review_board(user=people["manager"])}
    # then: only the manager's department, with the missed huddle as the last one
    assert set(board) == {"team-a1", "team-a2"}
    assert board["team-a1"].last == missed
    assert board["team-a1"].last.outcome == "missed"
    assert (board["team-a1"].open_commitments, board["team-a1"].overdue_commitments) == (2, 1)
    assert board["team-a1"].escalations == [obstacle]
    assert board["team-a2"].last is None


# A Wednesday: planning on a Monday morning prepares that day's huddle, which then keeps its time
# (test_a_prepared_huddle_keeps_its_time_when_the_cadence_changes), so "the next one follows" would
# depend on the day the suite runs. Two weeks clear of a daylight-saving change, too.
MIDWEEK = "2026-12-02 12:00:00+00:00"


def cadence_post(client, team, **fields):
    data = {"weekday": 3, "local_time": "14:00", "every_weeks": 2, "active": "on", **fields}
    return client.post(f"/huddles/cadence/{team.pk}/", {f"cadence-{team.pk}-{k}": v for k, v in data.items()})


@freeze_time(MIDWEEK)
def test_a_lead_moves_the_teams_huddles_and_the_next_one_follows(client, org, people):
    # given: the weekly default, Mondays at 09:30, and the next huddle scheduled by it
    team = org["team_a1"]
    services.huddles_plan()
    upcoming = Huddle.objects.get(team=team)
    client.force_login(people["lead"])
    assert "Team A1 meets on Mondays at 09:30" in client.get("/huddles/").content.decode()
    # when: the lead moves it to Thursdays at 14:00, every other week
    response = cadence_post(client, team)
    # then
    assert response.status_code == 302
    upcoming.refresh_from_db()
    local = upcoming.scheduled_at.astimezone(ZoneInfo(team.timezone))
    assert (local.weekday(), local.time()) == (3, time(14, 0))
    assert upcoming.period_end - upcoming.period_start == timedelta(weeks=2)
    event = upcoming.events.get(kind=HuddleEvent.Kind.RESCHEDULED)
    assert event.actor == people["lead"]
    page = client.get("/huddles/").content.decode()
    assert "Team A1 meets on Thursdays at 14:00" in page
    assert "every 2 weeks" in page


def test_a_prepared_huddle_keeps_its_time_when_the_cadence_changes(client, org, people):
    # given
    team = org["team_a1"]
    prepared = HuddleFactory(team=team, summary_built_at=timezone.now())
    client.force_login(people["lead"])
    # when
    cadence_post(client, team)
    # then: the team meets as prepared; the new time applies from the next one
    assert Huddle.objects.get(pk=prepared.pk).scheduled_at == prepared.scheduled_at
    assert HuddleCadence.objects.get(team=team).weekday == 3


def test_only_the_teams_lead_sets_when_it_meets(client, org, people):
    # an agent may not
    client.force_login(people["agent"])
    assert cadence_post(client, org["team_a1"]).status_code == 403
    # a lead may not set another team's, which reads as not found
    client.force_login(people["lead"])
    assert cadence_post(client, org["team_b1"]).status_code == 404
    # a bad value is refused with the reason, and nothing changes
    refused = cadence_post(client, org["team_a1"], every_weeks=9)
    assert refused.status_code == 400
    assert "Ensure this value is less than or equal to 8." in refused.content.decode()
    assert not HuddleCadence.objects.exists()


@freeze_time(MIDWEEK)
def test_an_admin_sets_a_teams_cadence_and_the_next_huddle_follows(admin_client, org):
    # given: planning gave every team the default cadence
    team = org["team_a1"]
    services.huddles_plan()
    cadence = HuddleCadence.objects.get(team=team)
    # when
    response = admin_client.post(
        f"/admin/innerloop/huddlecadence/{cadence.pk}/change/",
        {"weekday": 4, "local_time": "08:15", "every_weeks": 1, "active": "on"},
    )
    # then
    assert response.status_code == 302
    local = Huddle.objects.get(team=team).scheduled_at.astimezone(ZoneInfo(team.timezone))
    assert (local.weekday(), local.time()) == (4, time(8, 15))


# --- Recording, escalating, reviewing through the pages ---


def test_lead_records_the_huddle_a_commitment_and_an_escalated_obstacle(client, org, people):
    # given
    huddle = HuddleFactory(team=org["team_a1"], scheduled_at=timezone.now() - timedelta(hours=1))
    client.force_login(people["lead"])
    # when
    record = client.post(
        f"/huddles/{huddle.pk}/record/",
        {"attendees": [people["lead"].pk, people["agent"].pk], "notes": "Good"},
    )
    commitment = client.post(
        f"/huddles/{huddle.pk}/commitments/",
        {"text": "Call back every detractor", "owner": people["agent"].pk, "due_on": "2030-01-31"},
    )
    obstacle = client.post(
        f"/huddles/{huddle.pk}/obstacles/", {"text": "Refund limit too low", "escalate": "on"}
    )
    # then
    assert [r.status_code for r in (record, commitment, obstacle)] == [302, 302, 302]
    huddle.refresh_from_db()
    assert huddle.status == HuddleStatus.HELD
    assert set(huddle.attendees.all()) == {people["lead"], people["agent"]}
    assert Commitment.objects.get().owner == people["agent"]
    assert [(o.text, o.escalated_by) for o in obstacles_escalated()] == [
        ("Refund limit too low", people["lead"])
    ]
    assert list(huddle.events.values_list("kind", flat=True)) == [
        "recorded", "commitment_added", "obstacle_raised", "obstacle_escalated",
    ]  # fmt: skip


def test_commitment_owner_must_be_on_the_team(client, org, people):
    huddle = HuddleFactory(team=org["team_a1"])
    client.force_login(people["lead"])
    response = client.post(
        f"/huddles/{huddle.pk}/commitments/",
        {"text": "x", "owner": people["agent_b"].pk, "due_on": "2030-01-31"},
    )
    assert response.status_code == 400
    assert not Commitment.objects.exists()


def test_obstacles_escalated_since(org, people):
    huddle = HuddleFactory(team=org["team_a1"])
    services.obstacle_create(huddle=huddle, actor=people["lead"], text="Kept local")
    escalated = services.obstacle_create(huddle=huddle, actor=people["lead"], text="Up", escalate=True)
    assert list(obstacles_escalated()) == [escalated]
    assert list(obstacles_escalated(since=timezone.now() + timedelta(minutes=1))) == []
    assert Obstacle.objects.count() == 2


def test_manager_marks_a_huddle_reviewed_with_a_comment(client, org, people):
    huddle = HuddleFactory(team=org["team_a2"], scheduled_at=timezone.now() - timedelta(days=1))
    client.force_login(people["manager"])
    response = client.post(f"/huddles/{huddle.pk}/review/", {"comment": "Chase the refunds"})
    assert response["Location"] == "/huddles/review/"
    huddle.refresh_from_db()
    assert (huddle.reviewed_by, huddle.review_comment) == (people["manager"], "Chase the refunds")
    assert huddle.reviewed_at is not None
    assert huddle.events.get().kind == HuddleEvent.Kind.REVIEWED


# --- Scoping ---


@pytest.mark.parametrize("role", ["agent", "lead"])
def test_agents_and_leads_cannot_open_the_review(client, people, role):
    client.force_login(people[role])
    assert client.get("/huddles/review/").status_code == 403


def test_manager_of_another_department_gets_404_on_its_huddles(client, org, people):
    theirs = HuddleFactory(team=org["team_b1"], scheduled_at=timezone.now() - timedelta(days=1))
    client.force_login(people["manager"])
    assert client.get(f"/huddles/{theirs.pk}/").status_code == 404
    assert client.post(f"/huddles/{theirs.pk}/review/", {"comment": "x"}).status_code == 404
    assert not Huddle.objects.filter(reviewed_at__isnull=False).exists()


def test_only_the_teams_lead_records(client, org, people):
    huddle = HuddleFactory(team=org["team_a1"])
    client.force_login(people["agent"])
    assert client.get(f"/huddles/{huddle.pk}/").status_code == 200
    assert client.post(f"/huddles/{huddle.pk}/record/", {"notes": "x"}).status_code == 403
    client.force_login(people["agent_b"])
    assert client.get(f"/huddles/{huddle.pk}/").status_code == 404


def test_committee_reviews_every_team(client, org, people):
    client.force_login(people["committee"])
    response = client.get("/huddles/review/")
    assert response.status_code == 200
    assert {row.team.slug for row in response.context["board"]} == {"team-a1", "team-a2", "team-b1"}


# --- Query counts ---


@pytest.mark.parametrize("teams", [2, 8])
def test_review_page_query_count_is_constant(client, people, teams, django_assert_max_num_queries):
    # given: the manager's department with `teams` teams, each with a held huddle, commitments and escalations
    department = DepartmentFactory(slug="dept-a")
    lead = people["lead"]
    for _ in range(teams):
        team = TeamFactory(department=department)
        huddle = HuddleFactory(team=team, scheduled_at=timezone.now() - timedelta(days=1))
        services.huddle_record(huddle=huddle, actor=lead, attendees=[], notes="")
        CommitmentFactory.create_batch(2, huddle=huddle, owner=lead)
        services.obstacle_create(huddle=huddle, actor=lead, text="Blocked", escalate=True)
        services.huddle_prepare(huddle_id=huddle.pk)
    client.force_login(people["manager"])
    # when / then
    with django_assert_max_num_queries(10):
        response = client.get("/huddles/review/")
    assert response.status_code == 200
    assert len(response.context["board"]) == teams + 2


def test_lead_updates_last_huddles_commitment_from_this_huddle(client, org, people):
    # given
    last = HuddleFactory(team=org["team_a1"], scheduled_at=timezone.now() - timedelta(days=7))
    held(last, by=people["lead"])
    promise = CommitmentFactory(huddle=last, owner=people["agent"])
    huddle = HuddleFactory(team=org["team_a1"])
    client.force_login(people["lead"])
    # when
    page = client.get(f"/huddles/{huddle.pk}/")
    response = client.post(f"/huddles/{huddle.pk}/commitments/{promise.pk}/", {"state": "done"})
    # then
    assert page.context["previous_commitments"] == [promise]
    assert response.status_code == 302
    promise.refresh_from_db()
    assert promise.state == CommitmentState.DONE
    assert last.events.filter(kind=HuddleEvent.Kind.COMMITMENT_STATE).get().data == {
        "commitment_id": promise.pk, "from": "open", "to": "done",
    }  # fmt: skip


def test_another_teams_commitment_cannot_be_changed(client, org, people):
    theirs = CommitmentFactory(huddle=HuddleFactory(team=org["team_b1"]), owner=people["agent_b"])
    huddle = HuddleFactory(team=org["team_a1"])
    client.force_login(people["lead"])
    assert client.post(f"/huddles/{huddle.pk}/commitments/{theirs.pk}/", {"state": "done"}).status_code == 404
