"""An employee survey's answers stay anonymous only on an employee source: any other is refused."""

import pytest
from django.core.exceptions import ValidationError

from feedback.models import SourceKind, SurveyAudience
from feedback.surveys.invitations import survey_invitations_create
from tests.factories import InviteSurveyFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_an_employee_survey_on_a_customer_source_invites_nobody(people):
    survey = InviteSurveyFactory(
        audience=SurveyAudience.EMPLOYEES, source=SourceFactory(kind=SourceKind.STORE)
    )

    [result] = survey_invitations_create(
        survey=survey, items=[{"employee_id": people["agent"].pk}], trigger="csv", actor=people["admin"]
    )

    assert result.status == "error"
    assert "Employee" in result.errors["survey"][0]
    assert not survey.invitations.exists()
    with pytest.raises(ValidationError) as raised:
        survey.full_clean()
    assert "source" in raised.value.message_dict


def test_an_employee_survey_on_an_employee_source_is_valid(people):
    survey = InviteSurveyFactory(
        audience=SurveyAudience.EMPLOYEES, source=SourceFactory(kind=SourceKind.EMPLOYEE)
    )

    survey.full_clean()
    # (employees are invited by cxloop itself, from the survey's page: no actor)
    [result] = survey_invitations_create(
        survey=survey,
        items=[{"employee_id": people["agent"].pk, "team_id": people["agent"].memberships.get().team_id}],
        trigger="csv",
    )
    assert result.status != "error", result.errors
