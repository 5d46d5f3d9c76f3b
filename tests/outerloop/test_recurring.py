"""Resolved but recurring: the share of a rising root cause's cases closed as resolved, by department."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cxloop.org.scoping import scope_for
from innerloop.models import Case, CaseStatus
from outerloop.recurring import resolved_but_recurring, share_of
from tests.factories import CategoryFactory
from tests.innerloop.factories import CaseFactory
from tests.outerloop.factories import SignalFactory

pytestmark = pytest.mark.django_db


def _case(*, team, cause, status, days_ago: int = 3):
    case = CaseFactory(team=team, root_cause=cause, status=status, resolution_note="Refunded the delivery.")
    Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return case


@pytest.fixture
def world(org):
    """A rising cause with 4 cases in department A (3 resolved or closed, 1 reopened) and 1 closed in
    department B in its window; cases outside the window, and of a cause that is not rising, too."""
    now = timezone.now()
    rising, flat = CategoryFactory(name="Late delivery"), CategoryFactory(name="Rude staff")
    SignalFactory(
        category=rising,
        rising=True,
        rate_ratio=2.5,
        q_value=0.0004,
        window_start=now - timedelta(days=28),
        window_end=now,
    )
    SignalFactory(category=flat, rising=False, window_start=now - timedelta(days=28), window_end=now)
    a1, a2, b1 = org["team_a1"], org["team_a2"], org["team_b1"]
    _case(team=a1, cause=rising, status=CaseStatus.RESOLVED)
    _case(team=a1, cause=rising, status=CaseStatus.CLOSED)
    _case(team=a2, cause=rising, status=CaseStatus.RESOLVED)
    _case(team=a2, cause=rising, status=CaseStatus.REOPENED)
    _case(team=b1, cause=rising, status=CaseStatus.CLOSED)
    _case(team=b1, cause=rising, status=CaseStatus.RESOLVED, days_ago=40)  # before the window
    _case(team=a1, cause=flat, status=CaseStatus.RESOLVED)  # its cause is not rising
    return {"rising": rising}


def test_share_resolved_overall_and_by_department_with_wilson_intervals(world, people):
    # when
    [cause] = resolved_but_recurring(user=people["committee"])
    # then: 4 of 5 overall; department A 3 of 4, department B 1 of 1 (Wilson by hand, z = 1.96)
    assert cause.category == "Late delivery"
    assert cause.rate_ratio == 2.5
    assert (cause.overall.k, cause.overall.n) == (4, 5)
    assert cause.overall.interval.low == pytest.approx(0.37553, abs=1e-4)
    assert cause.overall.interval.high == pytest.approx(0.96378, abs=1e-4)
    by_department = {row.department: row.share for row in cause.departments}
    assert (by_department["Department A"].k, by_department["Department A"].n) == (3, 4)
    assert by_department["Department A"].interval.low == pytest.approx(0.30064, abs=1e-4)
    assert by_department["Department A"].interval.high == pytest.approx(0.95441, abs=1e-4)
    assert (by_department["Department B"].k, by_department["Department B"].n) == (1, 1)
    assert by_department["Department B"].interval.low == pytest.approx(0.20654, abs=1e-4)


def test_every_figure_of_a_handful_of_cases_is_flagged_as_a_small_sample(world, people):
    [cause] = resolved_but_recurring(user=people["committee"])
    assert cause.overall.low_sample
    assert all(row.share.low_sample for row in cause.departments)


def test_a_manager_sees_only_the_departments_they_manage(world, people):
    [cause] = resolved_but_recurring(user=people["manager"])
    assert [row.department for row in cause.departments] == ["Department A"]
    assert (cause.overall.k, cause.overall.n) == (3, 4)


def test_nothing_when_no_root_cause_is_rising(org, people):
    SignalFactory(rising=False)
    assert resolved_but_recurring(user=people["committee"]) == []


def test_three_queries_whatever_the_number_of_causes(world, people, django_assert_num_queries):
    for index in range(3):
        other = CategoryFactory(name=f"Cause {index}")
        SignalFactory(category=other, rising=True)
        _case(team=people["agent"].memberships.first().team, cause=other, status=CaseStatus.RESOLVED)
    user = people["committee"]
    scope_for(user)  # the user's scope, read once per request
    with django_assert_num_queries(3):
        assert len(resolved_but_recurring(user=user)) == 4


def test_share_of_nothing_has_no_share_and_no_interval():
    empty = share_of(k=0, n=0)
    assert (empty.share, empty.interval, empty.low_sample) == (None, None, True)
