"""The case page and queue for people on the move: the customer card's links, live SLA countdowns,
and going straight on to the next case after resolving (the browser side is tests/e2e/test_phone.py)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from innerloop.models import Case, CaseStatus
from innerloop.templatetags.countdown import due_words
from tests.factories import CategoryFactory, CustomerFactory, FeedbackFactory

from .factories import CaseFactory

pytestmark = pytest.mark.django_db

PHONE = "+44 (0)7700 900123"


def _may_see_personal_data(user):
    user.user_permissions.add(Permission.objects.get(codename="view_personal_data"))


def _case_with_customer(org, **customer):
    customer = CustomerFactory(phone=PHONE, email="ana.silva@example.test", **customer)
    return CaseFactory(team=org["team_a1"], feedback=FeedbackFactory(customer=customer))


def test_customer_card_links_the_phone_and_email(client, people, org):
    # given: an agent who may see personal data
    case = _case_with_customer(org)
    _may_see_personal_data(people["agent"])
    client.force_login(people["agent"])
    # when
    html = client.get(f"/cases/{case.pk}/").content.decode()
    # then: one tap calls (digits and + only) or writes to the customer, from the card and the action bar
    card = html[html.index('class="card customer-card"') : html.index('<div class="columns">')]
    assert 'href="tel:+4407700900123"' in card
    assert 'href="mailto:ana.silva@example.test"' in card
    bar = html[html.index('class="action-bar"') :]
    assert 'href="tel:+4407700900123"' in bar


def test_customer_card_is_masked_without_links_for_others(client, people, org):
    # given: an agent without the permission to see personal data
    case = _case_with_customer(org)
    client.force_login(people["agent"])
    # when
    html = client.get(f"/cases/{case.pk}/").content.decode()
    # then
    assert "7700 900123" not in html
    assert "ana.silva@example.test" not in html
    assert "▒▒▒ phone" in html
    assert "▒▒▒ email" in html
    assert "tel:" not in html
    assert "mailto:" not in html


def test_do_not_contact_customer_gets_no_call_or_email_link(client, people, org):
    # given: the customer asked not to be contacted; the agent may see their details
    case = _case_with_customer(org, do_not_contact=True, do_not_contact_since=timezone.now())
    _may_see_personal_data(people["agent"])
    client.force_login(people["agent"])
    # when
    html = client.get(f"/cases/{case.pk}/").content.decode()
    # then: the notice stays, the details are there to read, but nothing dials or writes
    assert 'role="alert"' in html
    assert "Do not contact" in html
    assert PHONE in html
    assert "tel:" not in html
    assert "mailto:" not in html
    assert 'href="#contact-form"' not in html
    assert 'href="#message-form"' not in html


def test_action_bar_offers_what_the_case_status_allows(client, people, org):
    case = CaseFactory(team=org["team_a1"])
    client.force_login(people["agent"])
    bar = lambda: client.get(f"/cases/{case.pk}/").content.decode().split('class="action-bar"')[1]  # noqa: E731
    assert re.findall(r'href="#([\w-]+)"', bar()) == [
        "contact-form",
        "message-form",
        "resolve-form",
        "note-form",
    ]
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.RESOLVED, root_cause=CategoryFactory(), resolution_note="Refunded"
    )
    assert re.findall(r'href="#([\w-]+)"', bar()) == ["close-form", "reopen-form", "note-form"]
    # and each link's target is on the page
    html = client.get(f"/cases/{case.pk}/").content.decode()
    for target in ("close-form", "reopen-form", "note-form"):
        assert f'id="{target}"' in html


@pytest.mark.parametrize(
    ("minutes", "words", "overdue"),
    [
        (134.5, "due in 2 h 14 min", False),
        (45.2, "due in 45 min", False),
        (120.1, "due in 2 h", False),
        (60 * 24 * 3 + 60 * 4 + 10, "due in 3 d 4 h", False),
        (60 * 24 + 5, "due in 1 d", False),
        (0.5, "due now", False),
        (-0.5, "due now", True),
        (-5.2, "overdue by 5 min", True),
        (-(60 * 26 + 3), "overdue by 1 d 2 h", True),
    ],
)
def test_countdown_words(minutes, words, overdue):
    now = timezone.now()
    assert due_words(now + timedelta(minutes=minutes), now) == (words, overdue)


def test_queue_and_case_header_count_down_running_clocks_only(client, people, org):
    # given: a running clock overdue by about an hour, and a paused one
    due = timezone.now() - timedelta(minutes=61)
    running = CaseFactory(team=org["team_a1"], due_at=due)
    paused = CaseFactory(
        team=org["team_a1"], due_at=due, paused_at=timezone.now(), status=CaseStatus.WAITING_ON_CUSTOMER
    )
    client.force_login(people["agent"])
    # when
    queue = client.get("/cases/").content.decode()
    # then: the server's words, and the deadline in ISO 8601 for the script to count from
    stamp = f'datetime="{due.isoformat()}"'
    assert queue.count(" data-countdown>") == 1
    assert f'<time class="countdown overdue" {stamp} data-countdown>overdue by 1 h 1 min</time>' in queue
    assert (
        f'<time class="countdown overdue" {stamp} data-countdown>'
        in client.get(f"/cases/{running.pk}/").content.decode()
    )
    assert " data-countdown>" not in client.get(f"/cases/{paused.pk}/").content.decode()


def _resolve(client, case):
    return client.post(
        f"/cases/{case.pk}/resolve/",
        {"version": case.version, "root_cause": CategoryFactory().slug, "resolution_note": "Refunded"},
    )


def test_resolving_goes_straight_on_to_the_next_case(client, people, org):
    # given: three open cases of the agent's, most pressing first, and an unassigned one more pressing
    agent = people["agent"]
    now = timezone.now()
    first = CaseFactory(team=org["team_a1"], assignee=agent, due_at=now + timedelta(hours=1))
    later = CaseFactory(team=org["team_a1"], assignee=agent, due_at=now + timedelta(hours=5))
    sooner = CaseFactory(team=org["team_a1"], assignee=agent, due_at=now + timedelta(hours=2))
    CaseFactory(team=org["team_a1"], due_at=now)
    client.force_login(agent)
    # when
    response = _resolve(client, first)
    # then: the agent's most pressing other case, saying so
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{sooner.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert f"Case {first.pk} resolved. Next: case {sooner.pk}" in page
    assert Case.objects.get(pk=first.pk).status == CaseStatus.RESOLVED
    # and after the last of theirs, back to the queue
    _resolve(client, sooner)
    last = _resolve(client, later)
    assert last["Location"] == "/cases/"
    assert f"Case {later.pk} resolved. You have no other open case" in client.get("/cases/").content.decode()


def test_a_refused_resolve_stays_on_the_case(client, people, org):
    case = CaseFactory(team=org["team_a1"], assignee=people["agent"])
    client.force_login(people["agent"])
    response = client.post(f"/cases/{case.pk}/resolve/", {"version": case.version, "resolution_note": ""})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
