"""Governance's action tables are the only way its pages and API change state (issue: one home for
every action); each entry is reachable where it is offered today."""

from pathlib import Path

import pytest
from django.urls import resolve, reverse

from governance import actions, services, views
from tests.outerloop.test_action_table import api_entries, direct_service_uses, service_functions

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module", ["governance/views.py", "governance/apis.py"])
def test_no_view_or_api_calls_a_service_outside_the_table(module):
    # given
    names = service_functions(services)
    # when
    found = direct_service_uses(ROOT / module, names)
    # then
    assert "vote_cast" in names
    assert found == []


@pytest.mark.parametrize(
    ("table", "html", "api"),
    [
        (
            actions.MEETING_ACTIONS,
            {"decide", "proxy", "withdraw-proxy", "action", "hold"},
            {"decide", "proxy", "withdraw-proxy"},
        ),
        (actions.DECISION_ACTIONS, {"vote", "withdraw"}, {"vote"}),
        (actions.COMMITTEE_ACTIONS, {"schedule", "system-review"}, set()),
    ],
)
def test_each_table_says_where_its_actions_are_offered(table, html, api):
    assert (table.html_names, table.api_names) == (html, api)


@pytest.mark.parametrize(
    "name", sorted(actions.MEETING_ACTIONS.html_names | actions.DECISION_ACTIONS.html_names)
)
def test_meeting_and_vote_actions_are_posted_to_the_meeting_page(name):
    assert resolve(reverse("governance:meeting-action", args=[1, name])).func is views.meeting_action
    assert name in views.MEETING_FORMS


@pytest.mark.parametrize("name", sorted(actions.COMMITTEE_ACTIONS.html_names))
def test_committee_actions_are_posted_to_the_committee_page(name):
    assert resolve(reverse("governance:committee-action", args=[name])).func is views.committee_action
    assert name in views.COMMITTEE_FORMS


def test_every_api_action_is_an_endpoint_running_its_entry():
    # given
    entries = api_entries()
    # then
    assert entries["decision-open"] is actions.MEETING_ACTIONS["decide"]
    assert entries["decision-vote"] is actions.DECISION_ACTIONS["vote"]
    assert entries["meeting-proxies"] is actions.MEETING_ACTIONS["proxy"]
    assert entries["meeting-proxy-withdraw"] is actions.MEETING_ACTIONS["withdraw-proxy"]
    offered = {id(entry) for entry in entries.values()}
    for table in (actions.MEETING_ACTIONS, actions.DECISION_ACTIONS, actions.COMMITTEE_ACTIONS):
        assert {name for name in table if id(table[name]) in offered} == table.api_names
