"""A CSV of contacts invited to a survey: every row reported (scheduled, suppressed and why,
duplicate, refused with the column and the reason), files over the bounds refused whole."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cxloop.core.models import AuditEvent
from feedback.models import Customer, Source, SurveyInvitation
from feedback.surveys.contacts import ContactsFileError, contacts_invite, contacts_read
from tests.factories import CustomerFactory, InviteSurveyFactory, SourceFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

CSV = (
    "external_id,email,name,phone,segment,time_zone,language,transaction_id,touchpoint\n"
    "C-1,one@example.test,Ana,,consumer,Europe/Lisbon,pt,T-1,\n"
    "C-2,two@example.test,Bruno,,,,,T-2,\n"
    ",three@example.test,No Id,,,,,T-3,\n"
    "C-4,not-an-email,Dora,,,,,T-4,\n"
    "C-5,five@example.test,Eva,,,Mars/Base,,T-5,\n"
    "C-6,six@example.test,Filipe,,,,,T-1,\n"
    "C-7,seven@example.test,Gil,,,,,T-7,nowhere\n"
    "\n"
    "C-8,eight@example.test,Hugo,,,,,T-8,,extra\n"
    "C-2,two@example.test,Bruno,,,,,T-9,\n"
)
UNKNOWN_ZONE = 'is not a time zone this server knows (an IANA name such as "Europe/Lisbon").'


@pytest.fixture
def survey(org):
    TouchpointFactory(slug="store", owning_team=org["team_a1"])
    return InviteSurveyFactory(
        slug="store-visit", source=SourceFactory(slug="store-notes", kind=Source.Kind.STORE)
    )


def _upload(client: Client, data: bytes, slug: str = "store-visit"):
    upload = SimpleUploadedFile("contacts.csv", data, "text/csv")
    return client.post(f"/surveys/{slug}/contacts/", {"file": upload})


def test_every_row_is_reported_with_its_outcome(survey, people):
    # given
    CustomerFactory(external_id="C-2", do_not_contact=True)
    # when
    report = contacts_invite(survey=survey, data=CSV.encode(), actor=people["admin"])
    # then
    outcome = {row.row: (row.status, row.reason, row.errors) for row in report.rows}
    assert outcome == {
        2: ("scheduled", "", []),
        3: ("suppressed", "do_not_contact", []),
        4: ("error", "", [("external_id", "is required.")]),
        5: ("error", "", [("email", "is not a valid email address.")]),
        6: ("error", "", [("time_zone", UNKNOWN_ZONE)]),
        7: ("duplicate", "", []),
        8: ("error", "", [("touchpoint", 'unknown touchpoint "nowhere".')]),
        10: ("error", "", [("row", "has more cells than the header has columns.")]),
        11: ("suppressed", "do_not_contact", []),
    }  # fmt: skip
    assert SurveyInvitation.objects.filter(trigger="csv").count() == 3
    ana = Customer.objects.get(external_id="C-1")
    assert (ana.time_zone, SurveyInvitation.objects.get(customer=ana).language) == ("Europe/Lisbon", "en")
    event = AuditEvent.objects.get(verb="survey.contacts_invited")
    assert event.data == {"scheduled": 1, "suppressed": 2, "error": 5, "duplicate": 1}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"id,score\nA,3\n", "Unknown columns: id, score."),
        (b"external_id,customer_id,case_id\nA,3,9\n", "Unknown columns: case_id, customer_id."),
        (b"email,name\na@example.test,A\n", "The file needs an external_id column"),
        (b"external_id,email,email\n", "Columns named twice: email."),
        (b"", "The file is empty"),
        ("external_id\nJos\xe9\n".encode("latin-1"), "The file is not UTF-8 text"),
    ],
)
def test_a_file_that_is_not_a_contact_list_is_refused_whole(data, message):
    with pytest.raises(ContactsFileError, match=message):
        contacts_read(data)


def test_the_bounds_refuse_the_file_before_anything_is_stored(settings, survey, people):
    settings.CXLOOP_SURVEY_CONTACTS_MAX_ROWS = 2
    with pytest.raises(ContactsFileError, match="more than 2 rows"):
        contacts_invite(survey=survey, data=CSV.encode(), actor=people["admin"])
    assert not SurveyInvitation.objects.exists()


def test_the_page_shows_the_report_in_words(survey, people, client):
    # given
    client.force_login(people["admin"])
    # when
    page = _upload(client, CSV.encode())
    # then
    assert page.status_code == 200
    text = page.content.decode()
    assert "Already invited for this transaction" in text
    assert "The customer asked not to be contacted" not in text  # nobody is do-not-contact here
    assert "is not a valid email address." in text
    assert ">Invited<" in text


def test_a_file_over_the_size_limit_is_refused_on_the_page(settings, survey, people, client):
    settings.CXLOOP_SURVEY_CONTACTS_MAX_BYTES = 100
    client.force_login(people["admin"])
    page = _upload(client, CSV.encode())
    assert page.status_code == 400
    assert "larger than 100 bytes" in page.content.decode()
    assert not SurveyInvitation.objects.exists()


def test_who_may_upload(survey, people, client):
    # given: a store survey (people write store notes); a manager of department A may invite for
    # team A1's touchpoint, an agent may not open the page, nor anyone a survey fed by a tool
    InviteSurveyFactory(slug="tool-fed")
    data = b"external_id,email,touchpoint\nC-1,one@example.test,store\n"
    manager, agent, tool = Client(), Client(), Client()
    manager.force_login(people["manager"])
    agent.force_login(people["agent"])
    tool.force_login(people["manager"])
    # when
    managed = _upload(manager, data)
    refused = _upload(agent, data)
    hidden = _upload(tool, data, slug="tool-fed")
    # then
    assert managed.status_code == 200
    assert SurveyInvitation.objects.get().team.slug == "team-a1"
    assert (refused.status_code, hidden.status_code) == (403, 404)
