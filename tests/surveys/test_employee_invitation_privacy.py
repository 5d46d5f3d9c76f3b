"""An employee survey's invitation, as the API and the Django admin show it: the day it was answered,
never the moment it was opened or answered, nor who it was (a time could be matched with an
anonymous answer's)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from feedback.models import SurveyInvitation
from feedback.surveys.admin import SurveyInvitationAdmin
from feedback.surveys.serializers import InvitationOutput
from tests.factories import InviteInvitationFactory, InviteSurveyFactory, UserFactory

pytestmark = pytest.mark.django_db

AT = datetime(2026, 5, 14, 15, 42, 7, tzinfo=ZoneInfo("UTC"))


def _invitations():
    employee = InviteInvitationFactory(
        survey=InviteSurveyFactory(slug="enps", audience="employees"),
        customer=None,
        employee=UserFactory(),
        transaction_id="enps:2026-05:7",
        status="answered",
        opened_at=AT,
        answered_at=AT,
    )
    customer = InviteInvitationFactory(
        survey=InviteSurveyFactory(slug="nps"), status="answered", opened_at=AT, answered_at=AT
    )
    return employee, customer


def test_the_api_gives_an_employee_invitation_its_answered_day_only():
    employee, customer = _invitations()
    data, plain = InvitationOutput(employee).data, InvitationOutput(customer).data
    assert data["opened_at"] is None
    assert data["answered_at"].startswith("2026-05-14T00:00:00")
    assert "employee" not in data
    assert plain["opened_at"] == plain["answered_at"] != data["answered_at"]
    assert "15:42:07" in plain["answered_at"]


def test_the_admin_shows_an_employee_invitation_without_its_person_or_times(admin_user):
    employee, customer = _invitations()
    model_admin = site._registry[SurveyInvitation]
    assert isinstance(model_admin, SurveyInvitationAdmin)
    request = RequestFactory().get("/")
    request.user = admin_user
    hidden = {"employee", "opened_at", "answered_at", "transaction_id"}
    fields = set(model_admin.get_fields(request, employee))
    assert not fields & hidden
    assert "answered_on" in fields
    assert str(model_admin.answered_on(employee)) == "2026-05-14"
    assert hidden - {"employee"} <= set(model_admin.get_fields(request, customer))
