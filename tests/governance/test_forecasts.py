"""The committee's forecast: put with the decision, recorded when the vote approves, scored by the
impact review, and the committee page's track record."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cxloop.core.exceptions import ApplicationError
from governance import services
from governance.models import Decision, Outcome
from outerloop.models import ForecastMetric, ForecastOutcome, ImpactReview, InitiativeEvent, Stage
from tests.outerloop.factories import InitiativeFactory

pytestmark = pytest.mark.django_db

BY = timezone.localdate() + timedelta(days=120)
FORECAST = {"metric": ForecastMetric.NPS, "change": 5.0, "by": BY}


def _open(committee, people, initiative, forecast):
    return services.decision_open(
        meeting=committee["meeting"], initiative=initiative, rationale="Worth it", actor=people["committee"],
        forecast=forecast,
    )  # fmt: skip


def _vote_all(decision, seats, choice):
    for seat in seats[:2]:  # two of three seats carry it
        services.vote_cast(decision=decision, seat=seat, choice=choice, actor=seat.holder)


def test_approving_records_the_forecast_put_with_the_decision(committee, people):
    # given
    initiative = InitiativeFactory(owner=people["manager"])
    decision = _open(committee, people, initiative, FORECAST)
    initiative.refresh_from_db()
    assert initiative.forecast_recorded_at is None  # proposed, not yet recorded
    # when
    _vote_all(decision, committee["seats"], Outcome.APPROVED)
    # then
    initiative.refresh_from_db()
    assert initiative.stage == Stage.APPROVED
    assert (initiative.forecast_metric, initiative.forecast_change, initiative.forecast_by) == (
        "nps",
        5.0,
        BY,
    )
    assert initiative.forecast_recorded_at is not None
    assert initiative.forecast_recorded_by == committee["seats"][1].holder  # whose vote carried it
    forecast_events = [e.data for e in initiative.events.filter(kind=InitiativeEvent.Kind.EDITED)]
    assert [e["forecast"] for e in forecast_events] == ["proposed", "recorded"]
    assert forecast_events[1]["decision"] == decision.pk


def test_rejecting_records_no_forecast(committee, people):
    initiative = InitiativeFactory(owner=people["manager"])
    decision = _open(committee, people, initiative, FORECAST)
    _vote_all(decision, committee["seats"], Outcome.REJECTED)
    initiative.refresh_from_db()
    assert initiative.stage == Stage.REJECTED
    assert initiative.forecast_recorded_at is None


def test_approving_without_a_forecast_is_allowed_and_counted(committee, people, client):
    initiative = InitiativeFactory(owner=people["manager"])
    _vote_all(_open(committee, people, initiative, None), committee["seats"], Outcome.APPROVED)
    client.force_login(people["committee"])
    page = client.get("/committee/").content.decode()
    assert "1 initiative was approved without a forecast." in page


@pytest.mark.parametrize(
    ("forecast", "fields"),
    [
        ({"metric": ForecastMetric.NPS}, ["forecast_by", "forecast_change"]),
        ({**FORECAST, "change": 0.0}, ["forecast_change"]),
        ({**FORECAST, "change": 250.0}, ["forecast_change"]),
        ({**FORECAST, "change": float("nan")}, ["forecast_change"]),
        ({**FORECAST, "by": timezone.localdate() - timedelta(days=1)}, ["forecast_by"]),
    ],
)
def test_a_partial_or_impossible_forecast_is_refused_with_the_field(committee, people, forecast, fields):
    initiative = InitiativeFactory(owner=people["manager"])
    with pytest.raises(ApplicationError) as refused:
        _open(committee, people, initiative, forecast)
    assert sorted(refused.value.extra) == fields
    assert not Decision.objects.exists()


def test_meeting_page_opens_a_decision_with_its_forecast(client, committee, people):
    # given
    initiative = InitiativeFactory(owner=people["manager"])
    meeting = committee["meeting"]
    client.force_login(people["committee"])
    # when
    answer = client.post(
        f"/committee/meetings/{meeting.pk}/decide/",
        {"initiative": initiative.pk, "rationale": "Go", "forecast_metric": "recurrence",
         "forecast_change": "-3.5", "forecast_by": BY.isoformat()},
    )  # fmt: skip
    # then
    assert answer.status_code == 302
    initiative.refresh_from_db()
    assert (initiative.forecast_metric, initiative.forecast_change) == ("recurrence", -3.5)


def test_meeting_page_refuses_half_a_forecast_with_the_reason(client, committee, people):
    initiative = InitiativeFactory(owner=people["manager"])
    client.force_login(people["committee"])
    answer = client.post(
        f"/committee/meetings/{committee['meeting'].pk}/decide/",
        {"initiative": initiative.pk, "rationale": "Go", "forecast_metric": "nps"},
    )
    assert answer.status_code == 400
    assert "give all three, or none" in answer.content.decode()


def test_an_agent_or_a_manager_cannot_record_a_forecast(client, committee, people):
    initiative = InitiativeFactory(owner=people["manager"])
    data = {"initiative": initiative.pk, "rationale": "Go", "forecast_metric": "nps", "forecast_change": "5",
            "forecast_by": BY.isoformat()}  # fmt: skip
    for who in ("agent", "manager"):
        client.force_login(people[who])
        answer = client.post(f"/committee/meetings/{committee['meeting'].pk}/decide/", data)
        assert answer.status_code == 403
    initiative.refresh_from_db()
    assert initiative.forecast_metric == ""


def _scored(title, outcome, achieved, recorded_days_ago):
    initiative = InitiativeFactory(
        title=title, stage=Stage.IMPACT_REVIEWED, forecast_metric=ForecastMetric.NPS, forecast_change=5.0,
        forecast_by=BY, forecast_recorded_at=timezone.now() - timedelta(days=recorded_days_ago),
    )  # fmt: skip
    if outcome:
        now = timezone.now()
        ImpactReview.objects.create(
            initiative=initiative, before_start=now - timedelta(days=2), split_at=now - timedelta(days=1),
            after_end=now, forecast_outcome=outcome, forecast_achieved=achieved,
        )  # fmt: skip
    return initiative


def test_committee_page_shows_the_forecast_track_record(
    client, committee, people, django_assert_max_num_queries
):
    # given: met (1.2 of the forecast), missed (0.4), uncertain (0.8), one not reviewed yet
    _scored("Courier slots", ForecastOutcome.MET, 1.2, 300)
    _scored("Refund speed", ForecastOutcome.MISSED, 0.4, 200)
    _scored("Store queues", ForecastOutcome.UNCERTAIN, 0.8, 100)
    _scored("App login", "", None, 10)
    client.force_login(people["committee"])
    # when
    with django_assert_max_num_queries(30):
        page = client.get("/committee/").content.decode()
    # then: mean share achieved (1.2 + 0.4 + 0.8) / 3 = 0.80
    assert "Met 1 · missed 1 · too uncertain to say 1 · not reviewed yet 1." in page
    assert "On average the reviews measured 0.80 times the change forecast." in page
    newest_first = [page.index(t) for t in ("App login", "Store queues", "Refund speed", "Courier slots")]
    assert newest_first == sorted(newest_first)


def test_decisions_api_takes_the_forecast(client, committee, people):
    # given
    initiative = InitiativeFactory(owner=people["manager"])
    client.force_login(people["committee"])
    body = {
        "meeting": committee["meeting"].pk, "initiative": initiative.pk, "rationale": "Go",
        "forecast_metric": "nps", "forecast_change": 4.5, "forecast_by": BY.isoformat(),
    }  # fmt: skip
    # when
    answer = client.post("/api/v1/decisions/open/", body, content_type="application/json")
    other = InitiativeFactory(owner=people["manager"])
    half = client.post(
        "/api/v1/decisions/open/",
        {**body, "initiative": other.pk, "forecast_by": None},
        content_type="application/json",
    )
    # then
    assert answer.status_code == 201, answer.content
    initiative.refresh_from_db()
    assert (initiative.forecast_metric, initiative.forecast_change) == ("nps", 4.5)
    assert half.status_code == 400
    assert "forecast_by" in half.json()
