"""The feedback explorer: search, filters, an item's page, a customer's timeline, masking."""

import pytest
from django.contrib.auth.models import Permission

from cxloop.core.models import AuditEvent
from tests.factories import CategoryFactory, CustomerFactory, FeedbackFactory

pytestmark = pytest.mark.django_db


def listed(response):
    return [item.pk for item in response.context["page"].object_list]


def test_full_text_search_finds_words_in_any_form(client, people, org):
    # given
    refund = FeedbackFactory(team=org["team_a1"], comment="Still waiting for my refunds after three weeks")
    FeedbackFactory(team=org["team_a1"], comment="Lovely staff at the till")
    client.force_login(people["agent"])
    # when
    response = client.get("/feedback/", {"q": "refund waiting"})
    # then
    assert listed(response) == [refund.pk]


def test_filters_combine_and_stay_scoped(client, people, org):
    # given
    low = FeedbackFactory(team=org["team_a1"], score=2)
    FeedbackFactory(team=org["team_a1"], score=9)
    FeedbackFactory(team=org["team_b1"], score=1)
    client.force_login(people["agent"])
    # when
    response = client.get("/feedback/", {"scale": "nps", "score_max": 6})
    # then
    assert listed(response) == [low.pk]


def test_team_filter_offers_only_visible_teams(client, people, org):
    client.force_login(people["agent"])
    response = client.get("/feedback/", {"team": "team-b1"})
    assert listed(response) == []
    assert "Team B1" not in response.content.decode()


def test_category_filter_uses_confirmed_then_suggested_and_parents(client, people, org):
    # given
    delivery = CategoryFactory(slug="delivery", name="Delivery")
    late = CategoryFactory(slug="late", name="Late delivery", parent=delivery)
    staff = CategoryFactory(slug="staff", name="Staff")
    confirmed = FeedbackFactory(team=org["team_a1"], confirmed_category=late)
    suggested = FeedbackFactory(team=org["team_a1"], suggested_category=late, suggested_confidence=0.8)
    FeedbackFactory(team=org["team_a1"], confirmed_category=staff, suggested_category=late)
    client.force_login(people["agent"])
    # when
    by_parent = client.get("/feedback/", {"category": "delivery"})
    # then
    assert sorted(listed(by_parent)) == sorted([confirmed.pk, suggested.pk])


def test_confirming_a_category_is_recorded(client, people, org):
    # given
    late = CategoryFactory(slug="late", name="Late delivery", parent=CategoryFactory(slug="delivery"))
    item = FeedbackFactory(team=org["team_a1"])
    client.force_login(people["agent"])
    # when
    response = client.post(f"/feedback/{item.pk}/category/", {"category": "late"})
    # then
    item.refresh_from_db()
    assert response.status_code == 302
    assert item.confirmed_category == late
    assert AuditEvent.objects.get(verb="feedback.categorized").actor == people["agent"]


def test_retired_categories_cannot_be_chosen(client, people, org):
    from django.utils import timezone

    CategoryFactory(slug="old", retired_at=timezone.now())
    item = FeedbackFactory(team=org["team_a1"])
    client.force_login(people["agent"])
    client.post(f"/feedback/{item.pk}/category/", {"category": "old"})
    item.refresh_from_db()
    assert item.confirmed_category is None


def test_another_teams_item_cannot_be_categorized(client, people, org):
    item = FeedbackFactory(team=org["team_b1"])
    CategoryFactory(slug="late")
    client.force_login(people["agent"])
    assert client.post(f"/feedback/{item.pk}/category/", {"category": "late"}).status_code == 404


def test_customer_timeline_shows_what_the_viewer_may_see_and_counts_the_rest(client, people, org):
    """Tying feedback to a customer must not open what they told other departments (#12)."""
    # given: the customer spoke to team A1 and, on another channel, to team B1
    customer = CustomerFactory()
    FeedbackFactory(team=org["team_a1"], customer=customer, comment="Called about my order")
    FeedbackFactory(team=org["team_b1"], customer=customer, comment="Left a review too")
    stranger = CustomerFactory()
    FeedbackFactory(team=org["team_b1"], customer=stranger)
    client.force_login(people["agent"])
    # when
    page = client.get(f"/customers/{customer.pk}/")
    # then
    assert page.status_code == 200
    assert "Called about my order" in page.content.decode()
    assert "Left a review too" not in page.content.decode()
    assert "1 more from other teams, not shown to you" in page.content.decode()
    assert client.get(f"/customers/{stranger.pk}/").status_code == 404


def test_personal_data_in_comments_is_masked_without_permission(client, people, org):
    # given
    item = FeedbackFactory(
        team=org["team_a1"],
        comment="Email me at jo@example.test or call 07700 900123, card 4111 1111 1111 1111",
    )
    client.force_login(people["agent"])
    # when
    masked = client.get(f"/feedback/{item.pk}/").content.decode()
    people["lead"].user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    client.force_login(people["lead"])
    shown = client.get(f"/feedback/{item.pk}/").content.decode()
    # then
    assert "jo@example.test" not in masked
    assert "07700 900123" not in masked
    assert "4111 1111 1111 1111" not in masked
    assert "▒▒▒ email" in masked
    assert "jo@example.test" in shown


def test_personal_data_is_shown_to_a_group_holding_the_permission(client, people, org):
    # given: the permission through a group, not on the user
    from django.contrib.auth.models import Group

    item = FeedbackFactory(team=org["team_a1"], comment="Email me at jo@example.test")
    privacy = Group.objects.create(name="Privacy officers")
    privacy.permissions.add(Permission.objects.get(codename="view_personal_data"))
    people["agent"].groups.add(privacy)
    client.force_login(people["agent"])
    # when
    shown = client.get(f"/feedback/{item.pk}/").content.decode()
    # then
    assert "jo@example.test" in shown


def test_api_lists_with_the_same_filters(people, org):
    from rest_framework.test import APIClient

    # given
    match = FeedbackFactory(team=org["team_a1"], comment="The courier was late again")
    FeedbackFactory(team=org["team_a1"], comment="All good")
    client = APIClient()
    client.force_authenticate(people["agent"])
    # when
    response = client.get("/api/v1/feedback/", {"q": "courier late"})
    bad = client.get("/api/v1/feedback/", {"score_min": "lots"})
    # then
    assert [row["id"] for row in response.json()["results"]] == [match.pk]
    assert bad.status_code == 400
    assert "score_min" in bad.json()


def test_api_refuses_a_team_filter_the_caller_cannot_see(people, org):
    """An invisible team is a wrong filter (400 naming it), never a filter silently left out."""
    from rest_framework.test import APIClient

    # given
    FeedbackFactory(team=org["team_a1"])
    client = APIClient()
    client.force_authenticate(people["agent"])
    # when
    hidden = client.get("/api/v1/feedback/", {"team": "team-b1"})
    unknown = client.get("/api/v1/feedback/", {"team": "no-such-team"})
    own = client.get("/api/v1/feedback/", {"team": "team-a1"})
    # then
    assert hidden.status_code == 400
    assert list(hidden.json()) == ["team"]
    assert unknown.status_code == 400
    assert hidden.json() == unknown.json()  # an invisible team looks exactly like one that does not exist
    assert own.status_code == 200
    assert len(own.json()["results"]) == 1


def test_the_api_masks_personal_data_as_the_pages_do(people, org):
    from rest_framework.test import APIClient

    # given
    item = FeedbackFactory(team=org["team_a1"], comment="Call me on 07700 900123 or mail jo@example.test")
    client = APIClient()
    client.force_authenticate(people["agent"])
    # when
    one = client.get(f"/api/v1/feedback/{item.pk}/").json()["comment"]
    listed = client.get("/api/v1/feedback/").json()["results"][0]["comment"]
    people["lead"].user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    client.force_authenticate(people["lead"])
    shown = client.get(f"/api/v1/feedback/{item.pk}/").json()["comment"]
    # then
    assert "07700 900123" not in one
    assert "jo@example.test" not in one
    assert one == listed
    assert "▒▒▒ email" in one
    assert shown == item.comment


def test_api_pages_are_capped_and_unknown_api_paths_answer_json(people, org, monkeypatch):
    from rest_framework.test import APIClient

    from cxloop.core.pagination import MAX_PAGE, CappedLimitOffsetPagination

    client = APIClient()
    client.force_authenticate(people["agent"])
    FeedbackFactory.create_batch(3, team=org["team_a1"])
    # a limit above the cap gets the cap (1,000; 2 here), and a link to the next page
    assert CappedLimitOffsetPagination.max_limit == MAX_PAGE == 1000
    monkeypatch.setattr(CappedLimitOffsetPagination, "max_limit", 2)
    page = client.get("/api/v1/feedback/", {"limit": 100_000}).json()
    assert len(page["results"]) == 2
    assert page["next"] is not None
    # a path under /api/ that does not exist is a JSON 404
    missing = client.get("/api/v1/no-such-thing/")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not found."}
