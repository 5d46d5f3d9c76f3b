"""The Django admin's controls without a <label> get a name (cxloop/core/admin_labels.py), and the
message templates' language filter shows language names, not an empty link."""

import re

import pytest

from tests.factories import CategoryFactory, DepartmentFactory, UserFactory
from tests.governance.factories import CommitteeFactory, CommitteeSeatFactory
from tests.innerloop.factories import CaseRuleFactory, MessageTemplateFactory

pytestmark = pytest.mark.django_db


def _aria_labels(html: str) -> set[str]:
    return set(re.findall(r'aria-label="([^"]*)"', html))


def test_a_split_date_and_time_names_both_halves(admin_client):
    # given
    category = CategoryFactory(name="Late delivery")
    # when
    html = admin_client.get(f"/admin/feedback/category/{category.pk}/change/").content.decode()
    # then
    assert {"Retired at: date", "Retired at: time"} <= _aria_labels(html)


def test_a_tabular_inline_names_each_control_by_column_and_row(admin_client):
    # given
    committee = CommitteeFactory()
    department = DepartmentFactory(name="Digital")
    holder = UserFactory(first_name="Maja", last_name="Walsh")
    seat = CommitteeSeatFactory(committee=committee, department=department, holder=holder)
    # when
    html = admin_client.get(f"/admin/governance/committee/{committee.pk}/change/").content.decode()
    # then: the seat's department, holder and "Delete" box each say which seat they belong to
    labels = {label for label in _aria_labels(html) if label.endswith(f": {seat}")}
    assert len(labels) == 3
    assert f"Delete: {seat}" in labels


def test_a_change_list_names_its_editable_cells_by_column_and_row(admin_client):
    # given
    rule = CaseRuleFactory(name="Detractors to the care team", position=99)
    # when
    html = admin_client.get("/admin/innerloop/caserule/").content.decode()
    # then
    assert {f"Position: {rule}", f"Active: {rule}"} <= _aria_labels(html)


def test_the_language_filter_names_every_choice(admin_client):
    # given: a template for every language and one in Portuguese
    MessageTemplateFactory(slug="apology")
    MessageTemplateFactory(slug="apology-pt", language="pt")
    # when
    response = admin_client.get("/admin/innerloop/messagetemplate/")
    filtered = admin_client.get("/admin/innerloop/messagetemplate/?language=any")
    # then: no link without text, and "Any language" lists only the blank one
    html = response.content.decode()
    assert 'href="?language="' not in html
    assert "Any language" in html
    assert {template.language for template in filtered.context["cl"].result_list} == {""}
