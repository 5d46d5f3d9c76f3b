"""The queue as people expect it: My cases, saved views (only their owner's, re-validated on every
use), sortable columns from a whitelist, and every action coming back to the row it was on."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from cxloop.core.models import AuditEvent
from innerloop.models import Case, CaseStatus, SavedView
from tests.factories import CustomerFactory, FeedbackFactory, UserFactory

from .factories import CaseFactory

pytestmark = pytest.mark.django_db


def _due(hours: int):
    return timezone.now() + timedelta(hours=hours)


def _query(location: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(location).query)


# --- My cases ----------------------------------------------------------------------------------------


def test_my_cases_is_one_click_and_shows_only_my_open_cases(client, people, org):
    # given
    mine = CaseFactory(team=org["team_a1"], assignee=people["agent"], status=CaseStatus.IN_PROGRESS)
    CaseFactory(team=org["team_a1"], assignee=people["lead"])
    CaseFactory(team=org["team_a1"])
    client.force_login(people["agent"])
    # when
    queue = client.get("/cases/")
    response = client.get("/cases/", {"assignee": "me"})
    # then
    html = queue.content.decode()
    assert 'href="/cases/?assignee=me"' in html
    assert [case.pk for case in response.context["cases"]] == [mine.pk]
    assert response.context["my_cases"] is True
    assert (
        '<a href="/cases/?assignee=me" data-shortcut-mine aria-current="page">' in response.content.decode()
    )
    assert response.context["counts"]["mine"] == 1


# --- Saved views -------------------------------------------------------------------------------------


def test_saving_a_view_keeps_the_queues_filters_and_sort_only(client, people, org):
    # given
    client.force_login(people["agent"])
    # when
    response = client.post(
        "/cases/views/new/",
        {"name": "  Urgent   first ", "back": "status=new&sort=-priority&page=3&evil=%3Cscript%3E&focus=1"},
    )
    # then
    view = SavedView.objects.get(owner=people["agent"])
    assert (view.name, view.query) == ("Urgent first", "sort=-priority&status=new")
    assert response["Location"] == "/cases/?sort=-priority&status=new"
    assert AuditEvent.objects.filter(verb="saved_view.created", target_id=str(view.pk)).count() == 1
    assert "Urgent" not in str(AuditEvent.objects.get(verb="saved_view.created").data)
    page = client.get("/cases/").content.decode()
    assert '<a href="/cases/?sort=-priority&amp;status=new">Urgent first</a>' in page


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "Give the view a name."),
        ("   ", "Give the view a name."),
        ("x" * 61, "Keep the name to 60 characters (it has 61)."),
        ("bell\x07", "Use letters, digits and punctuation only."),
        ("Taken", "You already have a view with this name."),
    ],
)
def test_a_bad_name_is_a_form_error_on_the_queue(client, people, org, name, error):
    # given
    SavedView.objects.create(owner=people["agent"], name="Taken", query="")
    client.force_login(people["agent"])
    # when
    response = client.post("/cases/views/new/", {"name": name, "back": "sort=age"})
    # then
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_save_name_error"' in html
    assert error in html
    assert 'aria-invalid="true"' in html
    assert response.context["query"] == "sort=age"
    assert SavedView.objects.filter(owner=people["agent"]).count() == 1


def test_saved_views_are_strictly_their_owners(client, people, org):
    # given
    theirs = SavedView.objects.create(owner=people["lead"], name="Lead's secret view", query="sort=age")
    client.force_login(people["agent"])
    # when
    queue = client.get("/cases/").content.decode()
    manage = client.get("/cases/views/").content.decode()
    rename = client.post(f"/cases/views/{theirs.pk}/rename/", {f"view-{theirs.pk}-name": "Mine now"})
    delete = client.post(f"/cases/views/{theirs.pk}/delete/")
    # then
    assert "secret view" not in queue
    assert "secret view" not in manage
    assert (rename.status_code, delete.status_code) == (404, 404)
    theirs.refresh_from_db()
    assert theirs.name == "Lead's secret view"


def test_renaming_and_deleting_ones_own_view(client, people, org):
    # given
    view = SavedView.objects.create(owner=people["agent"], name="Old", query="sort=age")
    SavedView.objects.create(owner=people["agent"], name="Other", query="")
    client.force_login(people["agent"])
    field = f"view-{view.pk}-name"
    # when
    taken = client.post(f"/cases/views/{view.pk}/rename/", {field: "Other"})
    renamed = client.post(f"/cases/views/{view.pk}/rename/", {field: "Oldest first"})
    # then
    assert taken.status_code == 400
    assert "You already have a view with this name." in taken.content.decode()
    assert renamed.status_code == 302
    view.refresh_from_db()
    assert view.name == "Oldest first"
    # when
    client.post(f"/cases/views/{view.pk}/delete/")
    # then
    assert not SavedView.objects.filter(pk=view.pk).exists()
    assert set(AuditEvent.objects.filter(target_id=str(view.pk)).values_list("verb", flat=True)) == {
        "saved_view.renamed",
        "saved_view.deleted",
    }


def test_a_tampered_saved_query_does_not_widen_the_scope(client, people, org):
    # given: a view whose stored query names another department's team and case
    other = CaseFactory(team=org["team_b1"])
    CaseFactory(team=org["team_a1"])
    view = SavedView.objects.create(
        owner=people["agent"], name="Tampered", query=f"team=team-b1&feedback={other.feedback_id}"
    )
    client.force_login(people["agent"])
    # when: the person opens it (the link on the queue)
    assert f'href="/cases/?{view.query.replace("&", "&amp;")}"' in client.get("/cases/").content.decode()
    response = client.get(f"/cases/?{view.query}")
    # then: the queue's filter refuses the team it cannot see, and shows no case
    assert response.context["cases"] == []
    html = response.content.decode()
    assert "These filters cannot be used" in html
    assert "Team: Select a valid choice." in html
    assert client.get("/cases/", {"feedback": other.feedback_id}).context["cases"] == []


# --- Sorting -----------------------------------------------------------------------------------------


def test_columns_sort_from_the_whitelist_keeping_the_filters(client, people, org):
    # given
    low = CaseFactory(team=org["team_a1"], priority="low", priority_rank=3, due_at=_due(1))
    urgent = CaseFactory(team=org["team_a1"], priority="urgent", priority_rank=0, due_at=_due(5))
    high = CaseFactory(team=org["team_a1"], priority="high", priority_rank=1, due_at=_due(3))
    client.force_login(people["agent"])
    # when
    by_due = client.get("/cases/", {"overdue": "false"})
    by_priority = client.get("/cases/", {"overdue": "false", "sort": "priority"})
    reversed_priority = client.get("/cases/", {"overdue": "false", "sort": "-priority"})
    # then
    assert [c.pk for c in by_due.context["cases"]] == [low.pk, high.pk, urgent.pk]
    assert [c.pk for c in by_priority.context["cases"]] == [urgent.pk, high.pk, low.pk]
    assert [c.pk for c in reversed_priority.context["cases"]] == [low.pk, high.pk, urgent.pk]
    headings = by_priority.context["headings"]
    assert headings["priority"] == {"href": "?overdue=false&sort=-priority", "aria_sort": "ascending"}
    assert headings["status"]["aria_sort"] == ""
    html = reversed_priority.content.decode()
    assert 'aria-sort="descending"><a href="?overdue=false&amp;sort=priority">' in html
    assert by_due.context["headings"]["due"]["aria_sort"] == "ascending"


def test_sorting_by_owner_and_customer_value_uses_names_and_money(client, people, org):
    # given
    people["agent"].first_name, people["agent"].last_name = "Zoe", "Agent"
    people["agent"].save()
    people["lead"].first_name, people["lead"].last_name = "Ana", "Lead"
    people["lead"].save()
    zoe = CaseFactory(team=org["team_a1"], assignee=people["agent"])
    ana = CaseFactory(team=org["team_a1"], assignee=people["lead"])
    rich = CaseFactory(
        team=org["team_a1"], feedback=FeedbackFactory(customer=CustomerFactory(annual_value=90000))
    )
    client.force_login(people["agent"])
    # when
    by_owner = client.get("/cases/", {"sort": "owner"})
    by_value = client.get("/cases/", {"sort": "value"})
    # then
    assert [c.pk for c in by_owner.context["cases"]] == [ana.pk, zoe.pk, rich.pk]
    assert by_value.context["cases"][0].pk == rich.pk
    assert "Ana Lead" in by_owner.content.decode()
    assert "Zoe Agent" in by_owner.content.decode()


@pytest.mark.parametrize("sort", ["feedback__comment", "-id", "due_at", "priority,id", "?"])
def test_a_sort_outside_the_whitelist_is_a_form_error(client, people, org, sort):
    CaseFactory(team=org["team_a1"])
    client.force_login(people["agent"])
    response = client.get("/cases/", {"sort": sort})
    assert response.context["cases"] == []
    assert "Sort by: Select a valid choice." in response.content.decode()


# --- Coming back to the same row ---------------------------------------------------------------------


def test_claiming_a_row_comes_back_to_that_row_with_filters_sort_and_page(client, people, org):
    # given
    cases = [CaseFactory(team=org["team_a1"], due_at=_due(hour)) for hour in range(3)]
    shown = ",".join(str(case.pk) for case in cases)
    client.force_login(people["agent"])
    # when
    response = client.post(
        "/cases/claim/",
        {"case": cases[1].pk, "back": "sort=due&page=1", "shown": shown, "cases": [cases[0].pk]},
    )
    # then
    assert response["Location"].startswith("/cases/?page=1&sort=due&focus=")
    assert _query(response["Location"])["focus"] == [f"{cases[1].pk},{cases[2].pk},{cases[0].pk}"]
    claimed = Case.objects.get(pk=cases[1].pk)
    assert (claimed.assignee, claimed.status) == (people["agent"], CaseStatus.IN_PROGRESS)
    assert Case.objects.get(pk=cases[0].pk).assignee is None
    page = client.get(response["Location"])
    assert page.context["focus"] == cases[1].pk
    assert f'href="/cases/{cases[1].pk}/" class="row-link" autofocus data-focus' in page.content.decode()
    assert f"Case {cases[1].pk} is yours now." in page.content.decode()


def test_a_claimed_row_that_leaves_the_list_hands_the_focus_to_the_next(client, people, org):
    # given: the unassigned cases only
    cases = [CaseFactory(team=org["team_a1"], due_at=_due(hour)) for hour in range(3)]
    client.force_login(people["agent"])
    shown = ",".join(str(case.pk) for case in cases)
    # when
    response = client.post("/cases/claim/", {"case": cases[1].pk, "back": "assignee=none", "shown": shown})
    page = client.get(response["Location"])
    # then
    assert [case.pk for case in page.context["cases"]] == [cases[0].pk, cases[2].pk]
    assert page.context["focus"] == cases[2].pk


def test_claiming_is_refused_for_another_teams_or_a_taken_case(client, people, org):
    # given
    theirs = CaseFactory(team=org["team_b1"])
    taken = CaseFactory(team=org["team_a1"], assignee=people["lead"])
    client.force_login(people["agent"])
    # when
    other_team = client.post("/cases/claim/", {"case": theirs.pk, "back": ""}, follow=True)
    someone_elses = client.post("/cases/claim/", {"case": taken.pk, "back": ""}, follow=True)
    # then
    assert Case.objects.get(pk=theirs.pk).assignee is None
    assert Case.objects.get(pk=taken.pk).assignee == people["lead"]
    assert "Select a valid choice" in other_team.content.decode()
    assert "Someone else claimed this case first." in someone_elses.content.decode()


def test_bulk_assign_comes_back_to_the_first_chosen_row(client, people, org):
    # given
    cases = [CaseFactory(team=org["team_a1"], due_at=_due(hour)) for hour in range(4)]
    shown = ",".join(str(case.pk) for case in cases)
    client.force_login(people["lead"])
    # when
    response = client.post(
        "/cases/assign/",
        {
            "cases": [cases[1].pk, cases[2].pk],
            "assignee": people["agent"].pk,
            "back": "sort=-age",
            "shown": shown,
        },
    )
    # then
    assert _query(response["Location"])["sort"] == ["-age"]
    assert _query(response["Location"])["focus"] == [
        f"{cases[1].pk},{cases[2].pk},{cases[3].pk},{cases[0].pk}"
    ]
    assert Case.objects.filter(assignee=people["agent"]).count() == 2
    assert "2 cases assigned." in client.get(response["Location"]).content.decode()


def test_claim_next_with_nothing_to_claim_returns_to_the_same_queue_on_its_button(client, people, org):
    client.force_login(people["agent"])
    response = client.post("/cases/claim-next/", {"back": "sort=status&evil=1"})
    assert response["Location"] == "/cases/?sort=status&focus=claim-next"
    page = client.get(response["Location"]).content.decode()
    assert 'id="claim-next" aria-keyshortcuts="c" autofocus' in page


def test_the_back_query_cannot_redirect_elsewhere(client, people, org):
    client.force_login(people["agent"])
    response = client.post("/cases/claim-next/", {"back": "//evil.example/&next=https://evil.example"})
    assert response["Location"] == "/cases/?focus=claim-next"


# --- Words, not codes, and a constant number of queries ---------------------------------------------


def test_the_queue_shows_names_and_labels_not_codes(client, people, org):
    people["agent"].first_name, people["agent"].last_name = "Rita", "Sousa"
    people["agent"].save()
    CaseFactory(team=org["team_a1"], assignee=people["agent"], status=CaseStatus.WAITING_ON_CUSTOMER)
    client.force_login(people["lead"])
    html = client.get("/cases/").content.decode()
    assert "Rita Sousa" in html
    assert "Waiting on customer" in html
    assert "waiting_on_customer</" not in html
    assert ">agent-a1<" not in html
    assert '<option value="agent-a1">Rita Sousa</option>' in html


def test_the_queue_costs_the_same_queries_for_few_or_many_cases_and_views(
    client, people, org, django_assert_max_num_queries
):
    # given
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    CaseFactory.create_batch(3, team=org["team_a1"])
    client.force_login(people["agent"])
    client.get("/cases/")
    with CaptureQueriesContext(connection) as few:
        client.get("/cases/", {"sort": "owner"})
    # when
    CaseFactory.create_batch(40, team=org["team_a1"], assignee=people["agent"])
    for number in range(5):
        SavedView.objects.create(
            owner=people["agent"], name=f"View {number}", query=f"sort=age&page={number}"
        )
    UserFactory.create_batch(3)
    # then
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/cases/", {"sort": "owner"}).status_code == 200
