"""The initiative page's pilot section: set up, suggested controls, start; who may (403/404)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cxloop.org.models import Role
from outerloop.models import Pilot, PilotArm, Stage
from tests.factories import MembershipFactory, UserFactory

from .factories import InitiativeFactory
from .pilot_data import scores

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SETUP = {
    "stage": "customer_test", "dimension": "team",
    "baseline_start": (TODAY - timedelta(days=60)).isoformat(),
    "baseline_end": (TODAY - timedelta(days=31)).isoformat(),
}  # fmt: skip


@pytest.fixture
def initiative(people, org):
    return InitiativeFactory(owner=people["manager"], departments=[org["dept_a"]], stage=Stage.CUSTOMER_TEST)


def test_committee_member_sets_up_a_pilot_picks_a_suggested_control_and_starts_it(
    client, initiative, people, org, django_assert_max_num_queries
):
    # given: baseline feedback on the pilot team and two candidates
    when = timezone.now() - timedelta(days=45)
    scores(team=org["team_a1"], when=when, promoters=30, passives=10, detractors=10)
    scores(team=org["team_a2"], when=when, promoters=29, passives=11, detractors=10)
    scores(team=org["team_b1"], when=when, promoters=5, passives=5, detractors=40)
    client.force_login(people["committee"])
    url = f"/initiatives/{initiative.pk}/"
    # when
    created = client.post(f"{url}pilots/create/", {**SETUP, "teams": [org["team_a1"].pk]})
    with django_assert_max_num_queries(60):
        page = client.get(url).content.decode()
    pilot = Pilot.objects.get()
    chosen = client.post(f"{url}pilots/{pilot.pk}/controls/", {"controls": [org["team_a2"].pk]})
    started = client.post(f"{url}pilots/{pilot.pk}/start/")
    # then
    assert (created.status_code, chosen.status_code, started.status_code) == (302, 302, 302)
    assert page.index("Team A2") < page.index("Team B1")  # the alike one is suggested first
    assert "50 responses in the baseline against 50 per pilot unit" in page
    assert list(pilot.units.filter(arm=PilotArm.CONTROL).values_list("team__name", flat=True)) == ["Team A2"]
    pilot.refresh_from_db()
    assert pilot.started_at is not None
    assert "Pilot started" in client.get(url).content.decode()


def test_pilot_form_refusal_re_renders_the_page_with_the_reason(client, initiative, people):
    client.force_login(people["committee"])
    answer = client.post(f"/initiatives/{initiative.pk}/pilots/create/", SETUP)
    assert answer.status_code == 400
    assert "Choose the units that run the pilot." in answer.content.decode()
    assert not Pilot.objects.exists()


def test_a_control_also_in_the_pilot_is_refused_with_the_reason(client, initiative, people, org):
    client.force_login(people["committee"])
    client.post(f"/initiatives/{initiative.pk}/pilots/create/", {**SETUP, "teams": [org["team_a1"].pk]})
    pilot = Pilot.objects.get()
    answer = client.post(
        f"/initiatives/{initiative.pk}/pilots/{pilot.pk}/controls/",
        {"controls": [org["team_a1"].pk]},
        follow=True,
    )
    assert "A unit cannot be both in the pilot and a control." in answer.content.decode()
    assert not pilot.units.filter(arm=PilotArm.CONTROL).exists()


def test_agents_and_other_departments_cannot_set_up_or_run_pilots(client, initiative, people, org):
    # given: a pilot set up by the committee, and a manager of department B
    client.force_login(people["committee"])
    client.post(f"/initiatives/{initiative.pk}/pilots/create/", {**SETUP, "teams": [org["team_a1"].pk]})
    pilot = Pilot.objects.get()
    manager_b = UserFactory(username="manager-b")
    MembershipFactory(user=manager_b, role=Role.MANAGER, team=None, department=org["dept_b"])
    manager_a_not_owner = UserFactory(username="manager-a2")
    MembershipFactory(user=manager_a_not_owner, role=Role.MANAGER, team=None, department=org["dept_a"])
    expected = {people["agent"]: 403, manager_b: 404, manager_a_not_owner: 403}
    # when / then
    for user, status in expected.items():
        client.force_login(user)
        create = client.post(
            f"/initiatives/{initiative.pk}/pilots/create/", {**SETUP, "teams": [org["team_a1"].pk]}
        )
        start = client.post(
            f"/initiatives/{initiative.pk}/pilots/{pilot.pk}/controls/", {"controls": [org["team_a2"].pk]}
        )
        assert (create.status_code, start.status_code) == (status, status)
    assert Pilot.objects.count() == 1
    assert not pilot.units.filter(arm=PilotArm.CONTROL).exists()


def test_a_pilot_of_another_initiative_is_not_found(client, initiative, people, org):
    client.force_login(people["committee"])
    other = InitiativeFactory(owner=people["committee"], stage=Stage.CUSTOMER_TEST)
    client.post(f"/initiatives/{other.pk}/pilots/create/", {**SETUP, "teams": [org["team_a1"].pk]})
    pilot = Pilot.objects.get()
    answer = client.post(f"/initiatives/{initiative.pk}/pilots/{pilot.pk}/start/")
    assert answer.status_code == 404
