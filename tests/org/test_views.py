import pytest
from django.urls import reverse

from tests.factories import FeedbackFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("person", "landing"),
    [
        ("agent", "/cases/"),
        ("lead", "/cases/"),
        ("manager", "/dashboards/"),
        ("committee", "/dashboards/"),
        ("admin", "/people/"),
    ],
)
def test_each_role_lands_on_its_page(client, people, person, landing):
    # given
    client.force_login(people[person])
    # when
    response = client.get("/", follow=True)
    # then
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == landing


@pytest.mark.parametrize("url", ["/", "/people/", "/organisation/", "/feedback/", "/teams/team-a1/"])
def test_pages_require_login(client, org, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_api_requires_authentication(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code in (302, 401, 403)


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/departments/dept-a/", 403),
        ("/organisation/", 403),
        ("/people/", 403),
        ("/teams/team-b1/", 404),
        ("/teams/team-a2/", 404),
    ],
)
def test_agent_cannot_open_other_pages(client, people, url, status):
    client.force_login(people["agent"])
    assert client.get(url).status_code == status


def test_manager_cannot_open_other_department(client, people):
    client.force_login(people["manager"])
    assert client.get("/departments/dept-b/").status_code == 404
    assert client.get("/teams/team-b1/").status_code == 404
    assert client.get("/teams/team-a2/", follow=True).status_code == 200


def test_feedback_of_another_team_is_404(client, people, org):
    # given
    theirs = FeedbackFactory(team=org["team_b1"])
    mine = FeedbackFactory(team=org["team_a1"])
    client.force_login(people["agent"])
    # then
    assert client.get(f"/feedback/{theirs.pk}/").status_code == 404
    assert client.get(f"/feedback/{mine.pk}/").status_code == 200


def test_navigation_follows_role(client, people):
    client.force_login(people["agent"])
    agent_page = client.get("/teams/team-a1/", follow=True).content.decode()
    client.force_login(people["committee"])
    committee_page = client.get("/organisation/", follow=True).content.decode()
    assert 'href="/my-team/"' in agent_page
    assert 'href="/organisation/"' not in agent_page
    assert 'href="/organisation/"' in committee_page
    assert 'href="/people/"' not in committee_page


def test_user_typed_text_is_escaped(client, people, org):
    # given
    FeedbackFactory(team=org["team_a1"], comment='"><img src=x onerror=alert(1)><script>alert(2)</script>')
    client.force_login(people["agent"])
    # when
    html = client.get("/teams/team-a1/", follow=True).content.decode()
    # then
    assert "<script>alert(2)" not in html
    assert "&lt;script&gt;alert(2)" in html
    assert "<img src=x" not in html


def test_login_page_and_logout(client, people):
    # when
    page = client.get(reverse("login"))
    response = client.post(reverse("login"), {"login": "agent-a1", "password": "pw-for-tests-only"})
    # then
    assert page.status_code == 200
    assert response.status_code == 302
    assert client.post(reverse("logout")).status_code == 302
    assert client.get("/feedback/").status_code == 302


def test_login_attempts_are_limited(client, people):
    # given: five wrong passwords
    for _ in range(5):
        client.post(reverse("login"), {"login": "agent-a1", "password": "wrong"})
    # when: the right one
    response = client.post(reverse("login"), {"login": "agent-a1", "password": "pw-for-tests-only"})
    # then
    assert response.status_code == 429
    assert "Too many failed" in response.content.decode()


# The explorer's bound includes one query per filter drop-down (sources, teams, departments,
# touchpoints, stages, categories suggested and confirmed): constant, whatever the amount of
# feedback. A team's page is its dashboard (the team overview redirects there): its figures,
# breakdowns, loop closure, latest feedback and members.
@pytest.mark.parametrize(("url", "max_queries"), [("/feedback/", 14), ("/dashboards/teams/team-a1/", 30)])
def test_list_pages_have_constant_query_count(
    client, people, org, url, max_queries, django_assert_max_num_queries
):
    # given: many rows, and a taxonomy whose labels name their parents
    from tests.factories import CategoryFactory

    parent = CategoryFactory(name="Delivery")
    CategoryFactory.create_batch(10, parent=parent)
    FeedbackFactory.create_batch(40, team=org["team_a1"])
    client.force_login(people["agent"])
    # then
    with django_assert_max_num_queries(max_queries):
        assert client.get(url).status_code == 200
