"""Both sides of the story (#18, item 9): the employee's account beside the customer's, and
"customer not a fit", justified by the team's lead or the department's manager."""

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from cxloop.core.exceptions import ApplicationError, StateConflict
from cxloop.core.models import AuditEvent
from innerloop.both_sides import ERASED_JUSTIFICATION
from innerloop.models import Case, CaseEvent, Disposition
from innerloop.privacy import cases_personal_data_erase
from innerloop.services import both_sides as services
from tests.factories import CustomerFactory, FeedbackFactory

from .factories import CaseFactory

pytestmark = pytest.mark.django_db

ACCOUNT = "The customer shouted at the till and refused the refund we offered twice."


@pytest.fixture
def case(org):
    customer = CustomerFactory(name="Ada Lovelace", email="ada@example.test")
    feedback = FeedbackFactory(team=org["team_a1"], customer=customer, comment="Rude staff, never again.")
    return CaseFactory(team=org["team_a1"], feedback=feedback)


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- services ---------------------------------------------------------------------------------------


def test_the_employee_account_is_recorded_with_an_event_an_audit_row_and_a_new_version(case, people):
    # when
    done = services.case_employee_account_record(
        case=case, actor=people["agent"], account=f"  {ACCOUNT}  ", expected_version=case.version
    )
    # then
    case.refresh_from_db()
    assert case.employee_account == ACCOUNT
    assert case.employee_account_by == people["agent"]
    assert case.employee_account_at is not None
    assert case.version == done.version == 2
    event = case.events.get(kind=CaseEvent.Kind.EMPLOYEE_ACCOUNT)
    assert event.data == {"text": ACCOUNT, "replaced": False}
    audit = AuditEvent.objects.get(verb="case.employee_account_recorded")
    assert ACCOUNT not in str(audit.data)


def test_a_disposition_needs_a_justification_and_changes_nothing_without_one(case, people):
    # when
    with pytest.raises(ApplicationError) as refused:
        services.case_disposition_set(
            case=case, actor=people["lead"], disposition=Disposition.CUSTOMER_WRONG, justification="   "
        )
    # then
    assert "justification" in refused.value.extra
    case.refresh_from_db()
    assert case.disposition == ""
    assert not case.events.filter(kind=CaseEvent.Kind.DISPOSITION).exists()


def test_setting_and_clearing_a_disposition_are_both_logged(case, people):
    # when
    services.case_disposition_set(
        case=case,
        actor=people["lead"],
        disposition=Disposition.UNPROFITABLE,
        justification="Six refunds a month",
    )
    services.case_disposition_clear(case=case, actor=people["manager"], reason="Refunds were our error")
    # then
    case.refresh_from_db()
    assert (case.disposition, case.disposition_justification, case.disposition_by) == ("", "", None)
    logged = [event.data for event in case.events.filter(kind=CaseEvent.Kind.DISPOSITION).order_by("pk")]
    assert logged == [
        {"previous": "", "disposition": "unprofitable", "reason": "Six refunds a month"},
        {"previous": "unprofitable", "disposition": "", "reason": "Refunds were our error"},
    ]
    assert set(AuditEvent.objects.values_list("verb", flat=True)) >= {
        "case.disposition_set",
        "case.disposition_cleared",
    }


def test_clearing_a_case_that_is_not_marked_is_refused(case, people):
    with pytest.raises(StateConflict):
        services.case_disposition_clear(case=case, actor=people["lead"], reason="Why not")


def test_a_stale_version_is_refused_and_changes_nothing(case, people):
    # given: someone else recorded an account meanwhile (version 1 -> 2)
    seen = case.version
    services.case_employee_account_record(case=case, actor=people["lead"], account="First")
    # when / then
    with pytest.raises(StateConflict):
        services.case_disposition_set(
            case=case, actor=people["lead"], disposition="customer_wrong", justification="x",
            expected_version=seen,
        )  # fmt: skip
    assert Case.objects.get(pk=case.pk).disposition == ""


# --- the API ------------------------------------------------------------------------------------------


def test_api_refuses_a_disposition_without_justification_with_a_400_naming_the_field(case, people):
    response = _api(people["lead"]).post(
        f"/api/v1/cases/{case.pk}/disposition/", {"disposition": "customer_wrong"}, format="json"
    )
    assert response.status_code == 400
    assert "justification" in response.json()


def test_api_sets_and_clears_a_disposition_and_answers_the_case(case, people):
    api = _api(people["manager"])
    marked = api.post(
        f"/api/v1/cases/{case.pk}/disposition/",
        {"disposition": "customer_wrong", "justification": "CCTV shows the item was used", "version": 1},
        format="json",
    )
    cleared = api.post(
        f"/api/v1/cases/{case.pk}/disposition-clear/", {"reason": "Wrong case", "version": 2}, format="json"
    )
    assert marked.status_code == 200
    assert marked.json()["disposition"] == "customer_wrong"
    assert cleared.json()["disposition"] == ""


def test_api_refuses_a_stale_version_with_409(case, people):
    response = _api(people["agent"]).post(
        f"/api/v1/cases/{case.pk}/employee-account/", {"account": ACCOUNT, "version": 7}, format="json"
    )
    assert response.status_code == 409


def test_another_teams_agent_gets_404_on_the_page_and_the_api(case, people, client):
    client.force_login(people["agent_b"])
    page = client.post(f"/cases/{case.pk}/employee-account/", {"account": ACCOUNT, "version": 1})
    api = _api(people["agent_b"]).post(
        f"/api/v1/cases/{case.pk}/employee-account/", {"account": ACCOUNT}, format="json"
    )
    assert (page.status_code, api.status_code) == (404, 404)
    assert Case.objects.get(pk=case.pk).employee_account == ""


@pytest.mark.parametrize(
    ("who", "status"), [("agent", 403), ("committee", 403), ("admin", 403), ("lead", 200), ("manager", 200)]
)
def test_only_the_teams_lead_or_the_departments_manager_judges_a_customer_not_a_fit(
    case, people, who, status
):
    response = _api(people[who]).post(
        f"/api/v1/cases/{case.pk}/disposition/",
        {"disposition": "customer_wrong", "justification": "Abusive on three calls"},
        format="json",
    )
    assert response.status_code == status


def test_a_manager_does_not_record_the_employees_account(case, people):
    response = _api(people["manager"]).post(
        f"/api/v1/cases/{case.pk}/employee-account/", {"account": ACCOUNT}, format="json"
    )
    assert response.status_code == 403


CONTACT = "Call her on ada@example.test or +44 20 7946 0958"


def test_api_masks_the_account_and_the_justification_for_a_caller_without_the_permission(case, people):
    # given: the account and the justification give the customer's email and phone number
    services.case_employee_account_record(case=case, actor=people["agent"], account=CONTACT)
    services.case_disposition_set(
        case=case, actor=people["lead"], disposition="customer_wrong", justification=CONTACT
    )
    api = _api(people["agent"])
    # when
    detail = api.get(f"/api/v1/cases/{case.pk}/").json()
    listed = api.get("/api/v1/cases/").json()["results"]
    acted = api.post(f"/api/v1/cases/{case.pk}/employee-account/", {"account": CONTACT}, format="json").json()
    # then
    (row,) = [row for row in listed if row["id"] == case.pk]
    for data in (detail, row, acted):
        for name in ("employee_account", "disposition_justification"):
            assert "ada@example.test" not in data[name], name
            assert "7946" not in data[name], name
            assert data[name].startswith("Call her on "), name
    assert "ada@example.test" in Case.objects.get(pk=case.pk).employee_account  # stored as written


def test_api_shows_the_account_as_written_to_a_caller_with_the_permission(case, people):
    services.case_employee_account_record(case=case, actor=people["agent"], account=CONTACT)
    people["agent"].user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    assert _api(people["agent"]).get(f"/api/v1/cases/{case.pk}/").json()["employee_account"] == CONTACT


# --- the case page ----------------------------------------------------------------------------------


def test_page_refuses_a_disposition_without_justification_with_a_form_error(case, people, client):
    client.force_login(people["lead"])
    response = client.post(f"/cases/{case.pk}/disposition/", {"disposition": "customer_wrong", "version": 1})
    html = response.content.decode()
    form = html[html.index('id="disposition-form"') :]
    assert response.status_code == 400
    assert "This field is required." in form[: form.index("</form>")]
    assert Case.objects.get(pk=case.pk).disposition == ""


def test_page_shows_the_account_beside_the_customers_words_and_the_disposition_in_words(case, people, client):
    # given
    people["agent"].user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    client.force_login(people["lead"])
    client.post(f"/cases/{case.pk}/employee-account/", {"account": ACCOUNT, "version": 1})
    client.post(
        f"/cases/{case.pk}/disposition/",
        {"disposition": "customer_wrong", "justification": "Video shows otherwise", "version": 2},
    )
    # when
    client.force_login(people["agent"])
    html = client.get(f"/cases/{case.pk}/").content.decode()
    # then: the account comes right after the customer's words; the disposition reads as a label
    words = html.index("Rude staff, never again.")
    account = html.index(ACCOUNT)
    assert words < account < html.index('id="timeline"')
    assert "Customer not a fit: the customer was wrong" in html
    assert "Video shows otherwise" in html
    # the agent is offered the account form, not the disposition form
    assert 'id="employee-account-form"' in html
    assert 'id="disposition-form"' not in html


def test_the_timeline_reads_both_sides_in_words(case, people, client):
    # given
    services.case_employee_account_record(case=case, actor=people["agent"], account="First version")
    services.case_employee_account_record(case=case, actor=people["agent"], account="Second version")
    services.case_disposition_set(
        case=case, actor=people["lead"], disposition="unprofitable", justification="Costs more than pays"
    )
    services.case_disposition_clear(case=case, actor=people["lead"], reason="Misjudged")
    client.force_login(people["lead"])
    # when
    html = client.get(f"/cases/{case.pk}/").content.decode()
    timeline = html[html.index('id="timeline"') : html.index("</ol>", html.index('id="timeline"'))]
    # then
    for words in (
        "The employee&#x27;s account was recorded.",
        "The employee&#x27;s account was replaced.",
        "Marked “customer not a fit: unprofitable to serve”.",
        "Justification: Costs more than pays",
        "“Customer not a fit” cleared (it was: customer not a fit: unprofitable to serve).",
        "Why it was cleared: Misjudged",
    ):
        assert words in timeline, words
    for code in ("unprofitable<", "employee_account", "disposition<", "None"):
        assert code not in timeline, code


def test_the_page_forms_carry_a_csrf_token(case, people, client):
    client.force_login(people["lead"])
    html = client.get(f"/cases/{case.pk}/").content.decode()
    for form_id in ("employee-account-form", "disposition-form"):
        form = html[html.index(f'id="{form_id}"') :]
        assert "csrfmiddlewaretoken" in form[: form.index("</form>")]


# --- erasure ------------------------------------------------------------------------------------------


def test_erasure_blanks_the_account_and_the_justification_and_keeps_the_disposition(case, people):
    # given
    services.case_employee_account_record(case=case, actor=people["agent"], account=ACCOUNT)
    services.case_disposition_set(
        case=case, actor=people["lead"], disposition="customer_wrong", justification="Ada lied about it"
    )
    # when
    cases_personal_data_erase(case_ids=[case.pk], now=timezone.now())
    # then
    case.refresh_from_db()
    assert case.employee_account == ""
    assert case.disposition == "customer_wrong"
    assert case.disposition_justification == ERASED_JUSTIFICATION
    texts = [str(event.data) for event in case.events.all()]
    assert not any(ACCOUNT in text or "Ada lied" in text for text in texts)


def test_after_erasure_the_timeline_still_reads_marked_not_cleared(case, people, client):
    # given: a case marked "customer not a fit", then erased (the erasure empties events' "to")
    services.case_disposition_set(
        case=case, actor=people["lead"], disposition="customer_wrong", justification="Ada lied about it"
    )
    cases_personal_data_erase(case_ids=[case.pk], now=timezone.now())
    client.force_login(people["lead"])
    # when
    html = client.get(f"/cases/{case.pk}/").content.decode()
    timeline = html[html.index('id="timeline"') : html.index("</ol>", html.index('id="timeline"'))]
    # then
    assert "Marked “customer not a fit: the customer was wrong”." in timeline
    assert "cleared" not in timeline
    assert "Ada lied" not in timeline
    event = case.events.get(kind=CaseEvent.Kind.DISPOSITION)
    assert event.data == {"previous": "", "disposition": "customer_wrong", "reason": ""}


def test_nothing_new_is_written_on_an_erased_case(case, people):
    cases_personal_data_erase(case_ids=[case.pk], now=timezone.now())
    with pytest.raises(StateConflict):
        services.case_employee_account_record(case=case, actor=people["agent"], account=ACCOUNT)


def test_erasing_a_customer_empties_their_cases_account_and_masks_them_in_other_cases(case, people, org):
    # given: an account on the customer's case, and another customer's case whose account names them
    case.customer.external_id = "erase-me"
    case.customer.save()
    other = CaseFactory(team=org["team_a1"])
    services.case_employee_account_record(case=case, actor=people["agent"], account=ACCOUNT)
    services.case_employee_account_record(
        case=other, actor=people["agent"], account="Same shouting as ada@example.test last week."
    )
    # when
    call_command("erase_customer", "--external-id", "erase-me")
    # then
    case.refresh_from_db()
    other.refresh_from_db()
    assert case.employee_account == ""
    assert case.personal_data_erased_at is not None
    assert "ada@example.test" not in other.employee_account
    assert other.employee_account.startswith("Same shouting as ")
