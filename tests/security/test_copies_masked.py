"""#12 defect 3: copies of a comment (the huddle summary and its email, notifications) and full-text
search showed personal data to people without the permission. Through the pages and the services
that existed before the fix, so these ran unchanged against that code (where each failed)."""

import pytest
from django.utils import timezone

from cxloop.notifications.models import EmailMessage
from cxloop.notifications.services import notify
from innerloop.huddles.services import huddle_prepare
from innerloop.models.huddles import Huddle
from tests.factories import FeedbackFactory, SourceFactory

pytestmark = pytest.mark.django_db

EMAIL, PHONE, CARD = "jo.private@example.test", "07700 900123", "4111 1111 1111 1111"
COMMENT = f"Nobody called back. Email {EMAIL} or ring {PHONE}; I paid by card {CARD}."


def _in_clear(text: str) -> list[str]:
    return [value for value in (EMAIL, PHONE, CARD) if value in text]


@pytest.fixture(autouse=True)
def mailboxes(people):
    for user in people.values():
        user.email = f"{user.username}@example.test"
        user.save(update_fields=["email"])


@pytest.fixture
def detractor(org):
    return FeedbackFactory(
        source=SourceFactory(slug="notes", kind="store"), team=org["team_a1"], scale="nps", score=1,
        comment=COMMENT, occurred_at=timezone.now() - timezone.timedelta(days=1),
    )  # fmt: skip


def test_the_huddle_summary_and_the_leads_email_mask_personal_data(client, people, org, detractor):
    # given
    now = timezone.now()
    huddle = Huddle.objects.create(
        team=org["team_a1"], scheduled_at=now + timezone.timedelta(hours=2),
        period_start=now - timezone.timedelta(days=6), period_end=now + timezone.timedelta(hours=2),
    )  # fmt: skip
    # when
    huddle_prepare(huddle_id=huddle.pk, force=True)
    client.force_login(people["lead"])
    page = client.get(f"/huddles/{huddle.pk}/").content.decode()
    # then
    assert "Nobody called back" in page
    assert not _in_clear(page)
    email = EmailMessage.objects.get(key__startswith="huddle-summary:")
    assert "Nobody called back" in email.body
    assert not _in_clear(email.body)


def test_notifications_and_their_emails_mask_personal_data(client, people, detractor):
    # when
    notify(user=people["agent"], key="case:1:opened", kind="case_opened", title="New case", body=COMMENT)
    client.force_login(people["agent"])
    page = client.get("/notifications/").content.decode()
    # then
    assert "Nobody called back" in page
    assert not _in_clear(page)
    assert not _in_clear(EmailMessage.objects.get(key="notification:case:1:opened").body)


@pytest.mark.parametrize("value", [EMAIL, PHONE, "900123", CARD])
def test_search_does_not_confirm_a_masked_value(client, people, detractor, value):
    # given
    client.force_login(people["agent"])
    # when
    page = client.get("/feedback/", {"q": value}).content.decode()
    found = client.get("/feedback/", {"q": "called back"}).content.decode()
    # then
    assert f"/feedback/{detractor.pk}/" not in page
    assert f"/feedback/{detractor.pk}/" in found
