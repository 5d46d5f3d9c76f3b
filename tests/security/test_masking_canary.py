"""The masking canary (#12): a comment with a phone number, an email and a card number, and a
customer with that email and phone, seen by people without the personal-data permission.

Every route (from the URL resolver and the admin's registry) is read with our own objects' ids, as
every kind of principal without the permission; the case alert and the huddle summary are built
through their services; then no page, API answer, export, notification, email to staff or search
result holds a copy in clear, and searching for the values finds nothing. The same pages do show
the values to someone with the permission, so the canary is where it should be.
"""

import pytest

from cxloop.notifications.models import EmailMessage, Notification
from cxloop.notifications.services import notify
from innerloop.huddles.services import huddle_prepare
from innerloop.models.huddles import Huddle

from .routes import Fill, all_routes
from .world import OURS, PII_CARD, PII_COMMENT, PII_EMAIL, PII_PHONE, build_world, grant_personal_data

pytestmark = pytest.mark.django_db

# Without the permission: everyone but the administrator (a superuser holds every permission).
WITHOUT = ("anonymous", "agent", "lead", "manager", "committee", "integration token", "personal token")
# How each value could appear in clear: as typed, and the parts a person would recognise.
IN_CLEAR = (PII_EMAIL, PII_PHONE, PII_CARD, "7700 900461", "7700900461", "4111111111111111", "canary.person")


def _clear_copies(text: str) -> list[str]:
    return [value for value in IN_CLEAR if value in text]


@pytest.fixture
def world(settings):
    settings.CXLOOP_BASE_URL = "http://testserver"
    world = build_world()
    # The copies that travel: the team's alert about the case, and the lead's huddle summary.
    for user in (world.ours["agent"], world.ours["lead"]):
        notify(user=user, key=f"case:{OURS}:opened:{user.pk}", kind="case_opened",
               title="New high-priority case", body=PII_COMMENT, url=f"/cases/{OURS}/")  # fmt: skip
    assert huddle_prepare(huddle_id=OURS, force=True)
    return world


def _read_everything(client) -> dict[str, str]:
    pages = {}
    for route in all_routes(Fill(ids=OURS, also=(), slug="team-a1")):
        response = client.get(route.url)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        pages[route.url] = content.decode(errors="replace")
    return pages


@pytest.mark.parametrize("principal", WITHOUT)
def test_no_copy_of_personal_data_in_clear_for_people_without_the_permission(principal, world):
    # when
    pages = _read_everything(world.client(principal))
    # then
    leaks = {url: found for url, text in pages.items() if (found := _clear_copies(text))}
    assert not leaks, leaks


@pytest.mark.parametrize("principal", [*WITHOUT, "admin"])
@pytest.mark.parametrize("value", [PII_EMAIL, PII_PHONE, "900461", PII_CARD, "canary.person"])
def test_search_never_confirms_a_masked_value(principal, world, value):
    # when
    client = world.client(principal)
    page = client.get("/feedback/", {"q": value})
    api = client.get("/api/v1/feedback/", {"q": value})
    # then: nothing is found (the index never holds these), so nothing is confirmed
    assert f"/feedback/{OURS}/" not in page.content.decode()
    assert api.status_code != 200 or api.json()["count"] == 0


def test_copies_are_stored_and_emailed_masked(world):
    # then: notifications, the huddle summary, and every email to staff
    for notification in Notification.objects.all():
        assert not _clear_copies(notification.title + notification.body)
    summary = Huddle.objects.get(pk=OURS).summary
    assert summary["learning_moments"], "the canary's feedback is a learning moment"
    assert not _clear_copies(repr(summary))
    # The outbox: every email is recorded before it is sent (none goes to the customer here).
    staff_mail = list(EmailMessage.objects.exclude(to=PII_EMAIL))
    assert {message.key.split(":")[0] for message in staff_mail} >= {"notification", "huddle-summary"}
    for message in staff_mail:
        assert not _clear_copies(message.subject + message.body)


def test_someone_with_the_permission_sees_the_values_where_they_are(world):
    # given
    grant_personal_data(world.ours["agent"])
    # when
    pages = _read_everything(world.client("agent"))
    # then: the canary is where the test looks (the feedback, the case, the customer, the API)
    shown = {url for url, text in pages.items() if PII_EMAIL in text and PII_CARD in text}
    assert {f"/feedback/{OURS}/", f"/cases/{OURS}/", f"/api/v1/feedback/{OURS}/"} <= shown, shown
    assert PII_EMAIL in pages[f"/customers/{OURS}/"] or PII_EMAIL in pages[f"/cases/{OURS}/"]
