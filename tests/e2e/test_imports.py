"""A team lead uploads files in a real browser: the page waits for the worker that reads them,
reloading itself without JavaScript, then shows the columns, or why the file was refused."""

import re
from unittest import mock

import pytest
from playwright.sync_api import expect

from cxloop.org.models import Role
from feedback.intake.imports.tasks import import_job_read
from feedback.models.imports import ImportJob
from tests.factories import MembershipFactory, SourceFactory, TeamFactory, UserFactory
from tests.feedback.test_imports_limits import MB, rows_bomb

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-only"  # what UserFactory sets


@pytest.fixture
def lead(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    SourceFactory(slug="store-visits", name="Store visits", kind="store")
    user = UserFactory(username="lead-imports")
    MembershipFactory(user=user, role=Role.TEAM_LEAD, team=TeamFactory(slug="imports-team"))
    return user


@pytest.fixture(autouse=True)
def read_task_sent():
    """The test plays the worker: the read task the upload sends is kept from the broker, so that
    a worker of the session (tests marked `worker`) cannot read the file before the test looks."""
    with mock.patch.object(import_job_read, "apply_async") as send:
        yield send


@pytest.fixture(params=[True, False], ids=["with-javascript", "without-javascript"])
def page(request, browser):
    """A browser page, also with JavaScript off: the waiting page must reload itself either way."""
    context = browser.new_context(java_script_enabled=request.param)
    yield context.new_page()
    context.close()


def upload_in_browser(page, live_server, read_task_sent, *, name: str, content: bytes) -> ImportJob:
    page.goto(f"{live_server.url}/imports/")
    page.get_by_label("File").set_input_files({"name": name, "mimeType": "text/csv", "buffer": content})
    page.get_by_label("Source").select_option(label="Store visits")
    page.get_by_role("button", name="Upload and map columns").click()
    expect(page.get_by_text("The file is being read in the background.")).to_be_visible()
    job = ImportJob.objects.get()
    read_task_sent.assert_called_once_with(kwargs={"job_id": job.pk}, retry=False)
    return job


def test_the_mapping_page_appears_once_the_worker_has_read_the_file(lead, login, live_server, read_task_sent):
    # given
    page = login(lead.username, PASSWORD)
    content = b"id,score,comment\r\nv-1,9,Friendly staff\r\n"
    job = upload_in_browser(page, live_server, read_task_sent, name="visits.csv", content=content)
    # when: the worker reads it; nobody touches the page
    import_job_read(job_id=job.pk)
    # then: the page has reloaded itself into the mapping form and the first rows
    expect(page.get_by_role("heading", name="First rows as read")).to_be_visible(timeout=10_000)
    expect(page.get_by_role("cell", name="Friendly staff")).to_be_visible()
    expect(page.get_by_role("button", name="Save mapping and preview")).to_be_visible()


def test_a_refused_file_shows_why_once_read(lead, login, live_server, read_task_sent, settings):
    # given: a workbook that unpacks to more than the limit
    settings.CXLOOP_IMPORT_XLSX_MAX_UNPACKED_BYTES = MB
    page = login(lead.username, PASSWORD)
    content = rows_bomb(unpacked=2 * MB)
    job = upload_in_browser(page, live_server, read_task_sent, name="bomb.xlsx", content=content)
    # when
    import_job_read(job_id=job.pk)
    # then: the page reloads itself onto the import's page, which gives the reason
    expect(page).to_have_url(re.compile(rf"/imports/{job.pk}/$"), timeout=10_000)
    expect(page.get_by_role("alert")).to_contain_text("The spreadsheet unpacks to 2.0")
    expect(page.get_by_role("alert")).to_contain_text("(limit 1.0")
    expect(page.get_by_role("link", name="Upload a corrected file")).to_be_visible()
