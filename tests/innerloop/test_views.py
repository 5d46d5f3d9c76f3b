"""The queue and case pages through the Django client: scoping, actions, query counts, escaping."""

import pytest

from innerloop.models import Case, CaseStatus
from tests.factories import CategoryFactory, CustomerFactory, FeedbackFactory

from .factories import CaseFactory

pytestmark = pytest.mark.django_db

NASTY = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def test_queue_shows_the_teams_open_cases_by_due_time(client, people, org):
    # given
    from datetime import timedelta

    from django.utils import timezone

    later = CaseFactory(team=org["team_a1"], due_at=timezone.now() + timedelta(hours=9))
    sooner = CaseFactory(team=org["team_a1"], due_at=timezone.now() + timedelta(hours=1))
    CaseFactory(team=org["team_b1"])
    CaseFactory(
        team=org["team_a1"], status=CaseStatus.CLOSED, root_cause=CategoryFactory(), resolution_note="x"
    )
    client.force_login(people["agent"])
    # when
    response = client.get("/cases/")
    # then
    assert [case.pk for case in response.context["cases"]] == [sooner.pk, later.pk]
    assert response.context["counts"] == {"open": 2, "overdue": 0, "unassigned": 2, "mine": 0}


def test_queue_query_count_is_constant(client, people, org, django_assert_max_num_queries):
    CaseFactory.create_batch(60, team=org["team_a1"])
    client.force_login(people["agent"])
    # 13: the page, its counts and filter drop-downs, and the person's saved views (one query).
    with django_assert_max_num_queries(13):
        assert client.get("/cases/").status_code == 200


def test_queue_pages_go_from_the_most_pressing_on(client, people, org):
    # given: 30 open cases, due one hour apart
    from datetime import timedelta

    from django.utils import timezone

    cases = [
        CaseFactory(team=org["team_a1"], due_at=timezone.now() + timedelta(hours=hour)) for hour in range(30)
    ]
    client.force_login(people["agent"])
    # when
    first = client.get("/cases/")
    second = client.get("/cases/", {"page": 2})
    # then
    assert [case.pk for case in first.context["cases"]] == [case.pk for case in cases[:25]]
    assert [case.pk for case in second.context["cases"]] == [case.pk for case in cases[25:]]
    assert 'rel="next"' in first.content.decode()
    assert 'rel="next"' not in second.content.decode()
    assert "Cases 26\u201330" in second.content.decode()


def test_claim_next_opens_the_claimed_case(client, people, org):
    case = CaseFactory(team=org["team_a1"])
    client.force_login(people["agent"])
    response = client.post("/cases/claim-next/")
    assert response["Location"] == f"/cases/{case.pk}/"
    assert Case.objects.get(pk=case.pk).assignee == people["agent"]


def test_another_teams_case_is_404_everywhere(client, people, org):
    theirs = CaseFactory(team=org["team_b1"])
    client.force_login(people["agent"])
    assert client.get(f"/cases/{theirs.pk}/").status_code == 404
    assert client.post(f"/cases/{theirs.pk}/note/", {"text": "hi"}).status_code == 404
    assert client.get("/cases/", {"feedback": theirs.feedback_id}).context["cases"] == []


def test_manager_sees_the_departments_cases(client, people, org):
    mine = CaseFactory(team=org["team_a2"])
    client.force_login(people["manager"])
    assert client.get(f"/cases/{mine.pk}/").status_code == 200


def test_logging_a_call_from_the_case_page(client, people, org):
    case = CaseFactory(team=org["team_a1"])
    client.force_login(people["agent"])
    response = client.post(
        f"/cases/{case.pk}/contact/",
        {"version": 1, "channel": "phone", "outcome": "voicemail", "promised": ""},
    )
    assert response.status_code == 302
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Left a voicemail" in page or "voicemail" in page


def test_a_stale_form_shows_a_clear_message(client, people, org):
    case = CaseFactory(team=org["team_a1"], version=3)
    client.force_login(people["agent"])
    response = client.post(
        f"/cases/{case.pk}/contact/", {"version": 2, "channel": "phone", "outcome": "reached"}
    )
    assert response.status_code == 400
    assert "Someone else changed this case" in response.content.decode()


def test_customer_words_are_escaped_on_queue_and_case_pages(client, people, org):
    customer = CustomerFactory(name=NASTY)
    case = CaseFactory(team=org["team_a1"], feedback=FeedbackFactory(comment=NASTY, customer=customer))
    client.force_login(people["agent"])
    for url in ("/cases/", f"/cases/{case.pk}/"):
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;" in html


def test_counts_refresh_alone(client, people, org):
    CaseFactory(team=org["team_a1"])
    client.force_login(people["agent"])
    response = client.get("/cases/counts/", HTTP_HX_REQUEST="true")
    assert 'id="queue-counts"' in response.content.decode()
    assert "<html" not in response.content.decode()


def test_bulk_assign_within_the_team(client, people, org):
    cases = CaseFactory.create_batch(3, team=org["team_a1"])
    client.force_login(people["lead"])
    client.post("/cases/assign/", {"cases": [c.pk for c in cases], "assignee": people["agent"].pk})
    assert Case.objects.filter(assignee=people["agent"]).count() == 3


def test_bulk_assign_is_for_people_on_a_team(client, people, org):
    # given: an open case someone works on, and an admin who is on no team
    case = CaseFactory(team=org["team_a1"], assignee=people["agent"], status=CaseStatus.IN_PROGRESS)
    client.force_login(people["admin"])
    # when: the admin tries to take it off its owner
    response = client.post("/cases/assign/", {"cases": [case.pk], "assignee": ""})
    # then
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).assignee == people["agent"]
