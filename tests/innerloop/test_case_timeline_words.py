"""The case page's timeline says words, not codes (#16, item 6): status and outcome labels, people
by name, teams by name, and a sentence where triage had no rule."""

import pytest

from innerloop import events
from tests.factories import CategoryFactory, CustomerFactory, FeedbackFactory

from .factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(org, people):
    people["agent"].first_name, people["agent"].last_name = "Grace", "Hopper"
    people["agent"].save()
    customer = CustomerFactory(name="Ada Lovelace", email="ada@example.test", segment="small_business")
    return CaseFactory(team=org["team_a1"], feedback=FeedbackFactory(team=org["team_a1"], customer=customer))


def _timeline(client, case) -> str:
    html = client.get(f"/cases/{case.pk}/").content.decode()
    return html[html.index('id="timeline"') : html.index("</ol>", html.index('id="timeline"'))]


def test_the_timeline_reads_out_labels_names_and_sentences(client, org, people, case):
    agent = people["agent"]
    events.case_event_opened(case=case, rule=None, team="team-a1", priority="high", why="no rule matched")
    events.case_event_assigned(case=case, actor=agent, assignee=agent.username, claimed=True)
    events.case_event_status_changed(
        case=case, actor=agent, from_status="new", to_status="in_progress", note="claimed"
    )
    events.case_event_contact_logged(
        case=case, actor=agent, channel="phone", outcome="voicemail", promised="", next_step="Call at 5"
    )
    cause = CategoryFactory(
        slug="late-delivery", name="Late delivery", parent=CategoryFactory(name="Delivery")
    )
    events.case_event_resolved(
        case=case, actor=agent, root_cause=cause.slug, note="Refunded", from_status="new"
    )
    events.case_event_escalated(case=case, level=1, clock="first contact")
    client.force_login(agent)
    timeline = _timeline(client, case)
    for words in (
        "No triage rule matched this feedback, so it went to Team A1, the triage team.",
        "Grace Hopper claimed it.",
        "From “New” to “In progress”: claimed from the queue.",
        "Phone: Left a voicemail.",
        "Next step: Call at 5",
        "Root cause: Delivery / Late delivery.",
        "To the team lead: the first contact deadline has passed.",
        "cxloop, automatically",
    ):
        assert words in timeline, words
    for code in ("in_progress", "phone: voicemail", "team-a1", "late-delivery", "None", agent.username):
        assert code not in timeline, code


def test_a_rule_and_a_team_by_name(client, org, people, case):
    events.case_event_opened(case=case, rule="NPS detractors", team="team-a2", priority="high")
    client.force_login(people["agent"])
    timeline = _timeline(client, case)
    assert "Opened by the rule “NPS detractors” for Team A2." in timeline


def test_the_customer_card_shows_the_segment_in_words(client, people, case):
    client.force_login(people["agent"])
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Small business" in html
    assert "small_business" not in html


def test_a_messages_address_is_masked_for_whoever_may_not_see_personal_data(client, people, case):
    from django.contrib.auth.models import Permission

    from cxloop.core.pii import PERSONAL_DATA_CODENAME

    agent = people["agent"]
    events.case_event_message_sent(
        case=case,
        actor=agent,
        template="sorry",
        subject="Sorry",
        body="Hello",
        to="ada@example.test",
        email_key="k",
    )
    client.force_login(agent)
    assert "ada@example.test" not in _timeline(client, case)
    agent.user_permissions.add(Permission.objects.get(codename=PERSONAL_DATA_CODENAME))
    client.force_login(agent)
    assert "ada@example.test" in _timeline(client, case)
