"""No view or API declares a case or huddle action outside its action table (innerloop.actions,
innerloop.huddles.actions), and every table entry is offered where the table says."""

import ast
import inspect
from pathlib import Path

import pytest
from django.urls import reverse

from innerloop import actions as case_actions
from innerloop import views
from innerloop.huddles import actions as huddle_actions
from innerloop.huddles import services as huddle_services
from innerloop.services import cases as case_services

ROOT = Path(__file__).resolve().parents[2]
INTERFACES = (
    "innerloop/views.py",
    "innerloop/queue_views.py",
    "innerloop/saved_view_views.py",
    "innerloop/apis.py",
    "innerloop/api_urls.py",
    "innerloop/huddles/views.py",
)


def _writers(module) -> set[str]:
    """The state-changing services: every public function of the service module."""
    return {
        name
        for name, value in vars(module).items()
        if inspect.isfunction(value) and value.__module__ == module.__name__ and not name.startswith("_")
    } - {"render_template", "team_members", "team_leads", "next_occurrence", "huddles_due_for_summary"}


SERVICES = _writers(case_services) | _writers(huddle_services)


@pytest.mark.parametrize("path", INTERFACES)
def test_no_view_or_api_calls_a_service_outside_the_tables(path):
    tree = ast.parse((ROOT / path).read_text())
    named = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    named |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    imported = {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names
    }
    assert (named | imported) & SERVICES == set()
    assert not any(
        isinstance(node, ast.ImportFrom)
        and (node.module or "").endswith(("services.cases", "services"))
        and any(alias.name in SERVICES for alias in node.names)
        for node in ast.walk(tree)
    )


def test_every_service_of_the_tables_is_in_a_table():
    sources = inspect.getsource(case_actions) + inspect.getsource(huddle_actions)
    for name in {"case_log_contact", "case_message_customer", "case_resolve", "case_transition",
                 "case_reopen", "case_close", "case_add_note", "case_claim_next", "case_assign",
                 "huddle_prepare", "huddle_record", "commitment_create", "commitment_set_state",
                 "obstacle_create", "obstacle_escalate", "huddle_review", "huddle_cadence_set"}:  # fmt: skip
        assert f"services.{name}(" in sources, name


def test_every_case_action_has_a_page_route_and_an_api_route():
    # given
    table = case_actions.CASE_ACTIONS
    # then: the page offers every entry, the API every entry it says it does
    assert set(views.HTML_ACTIONS) == table.html_names == set(table)
    assert set(case_actions.CASE_API_ROUTES) == table.api_names == set(table)
    for name, route in case_actions.CASE_API_ROUTES.items():
        assert reverse(route.url_name, args=[1]) == f"/api/v1/cases/1/{route.path}/"
        assert reverse("innerloop:case-action", args=[1, name]) == f"/cases/1/{name}/"


def test_the_queue_and_huddle_actions_say_which_are_html_only():
    assert case_actions.QUEUE_ACTIONS.api_names == {"claim-next"}
    assert case_actions.QUEUE_ACTIONS.html_names == {"claim-next", "claim", "assign"}
    # huddles have no API today: every entry is HTML-only
    assert huddle_actions.HUDDLE_ACTIONS.api_names == set()
    assert huddle_actions.CADENCE_ACTIONS.api_names == set()
