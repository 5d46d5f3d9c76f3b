"""#17's acceptance for sending surveys, with real processes: a Celery worker, beat and an SMTP server
on loopback (aiosmtpd).

1,000 invitations for 800 customers, some surveyed 10 days ago, one marked do-not-contact, some in
their quiet hours: the emails received are exactly those the contact rules allow, and each
suppressed invitation says why; a one-click score from a received email (the page, then its form
sent as its script sends it) and a comment on the page make one feedback item per invitation, and
the detractor's has its case within 10 s; the reminder goes once; the unsubscribe header's one-click
POST stops every later message to that customer; the quiet-hours invitations go when their night ends.

Beat runs the survey jobs every 2 s here instead of every minute and quarter hour: the schedule is
data (django_celery_beat), so the test shortens it rather than faking the clock across processes.
"""

import re
import time
from collections import Counter
from datetime import timedelta
from email import message_from_string, policy
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from cxloop.notifications.models import EmailMessage
from cxloop.notifications.services import email_queue
from feedback.models import Customer, Feedback, SurveyInvitation
from feedback.surveys.invitations import survey_invitations_create
from innerloop.defaults import ensure_defaults
from innerloop.models import Case
from tests.factories import InviteSurveyFactory, InviteSurveyTextFactory, MembershipFactory, TeamFactory
from tests.fixtures.servers import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CUSTOMERS, INVITATIONS = 800, 1_000
DO_NOT_CONTACT = 5
SURVEYED_10_DAYS_AGO = range(10, 60)
IN_QUIET_HOURS = range(700, 750)
Status = SurveyInvitation.Status
SCORE_LINK = re.compile(r'href="([^"]+\?score=(\d+))"')


def email_of(n: int) -> str:
    return f"c{n}@example.test"


def zone_where_local_hour_in(hours: range) -> str:
    """A fixed-offset zone whose local time now falls in `hours`."""
    now = timezone.now()
    for offset in range(-14, 13):
        name = f"Etc/GMT{offset:+d}" if offset else "Etc/GMT"
        if now.astimezone(ZoneInfo(name)).hour in hours:
            return name
    raise AssertionError(f"no zone with a local hour in {hours}")


@pytest.fixture
def survey(db):
    """The shipped triage rules with a triage team, an NPS email survey (quiet 21:00-08:00, one
    reminder after an hour), its customers, and an earlier survey some of them answered 10 days ago."""
    ensure_defaults()
    MembershipFactory(team=TeamFactory(slug="triage", name="Triage", is_triage_team=True), role="team_lead")
    survey = InviteSurveyTextFactory(
        survey=InviteSurveyFactory(
            slug="after-delivery", quiet_from="21:00", quiet_until="08:00", reminder_after_hours=1
        ),
        email_subject="How was your delivery?",
    ).survey
    night, day = zone_where_local_hour_in(range(0, 6)), zone_where_local_hour_in(range(11, 18))
    Customer.objects.bulk_create(
        Customer(
            external_id=f"c{n}",
            email=email_of(n),
            name=f"Customer {n}",
            time_zone=night if n in IN_QUIET_HOURS else day,
            do_not_contact=n == DO_NOT_CONTACT,
        )
        for n in range(CUSTOMERS)
    )
    earlier = InviteSurveyFactory(slug="after-purchase")
    by_external_id = dict(Customer.objects.values_list("external_id", "pk"))
    SurveyInvitation.objects.bulk_create(
        SurveyInvitation(survey=earlier, customer_id=by_external_id[f"c{n}"], status=Status.ANSWERED)
        for n in SURVEYED_10_DAYS_AGO
    )
    SurveyInvitation.objects.filter(survey=earlier).update(created_at=timezone.now() - timedelta(days=10))
    return survey


def start(processes, smtp_server) -> None:
    call_command("setup_periodic_tasks", verbosity=0)
    every_2s, _ = IntervalSchedule.objects.get_or_create(every=2, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.filter(task__in=["surveys.send_due", "surveys.reminders_send_due"]).update(
        interval=every_2s, crontab=None
    )
    env = processes.env(settings.REDIS_URL, EMAIL_URL=smtp_server.url)
    processes.worker(env, "surveys")
    processes.beat(env)


def received(smtp_server) -> dict[str, list]:
    """Recipient -> the messages they received, parsed."""
    by_recipient: dict[str, list] = {}
    for message in list(smtp_server.messages):
        parsed = message_from_string(message["data"], policy=policy.default)
        for address in message["to"]:
            by_recipient.setdefault(address, []).append(parsed)
    return by_recipient


def count_to(smtp_server, address: str) -> int:
    return sum(address in message["to"] for message in list(smtp_server.messages))


def one_click_links(message) -> dict[int, str]:
    html = message.get_body(preferencelist=("html",)).get_content()
    return {int(score): url.replace("&amp;", "&") for url, score in SCORE_LINK.findall(html)}


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def one_click(browser: Client, url: str):
    """A click on a score link: the page (which records nothing by itself), then its form sent as
    static/js/survey_one_click.js sends it, following the redirect; (the page, the page after)."""
    page = browser.get(path_of(url))
    assert b"data-one-click" in page.content
    fields = dict(re.findall(rb'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.content))
    score = re.search(rb'<input type="radio" name="score" value="(\d+)"[^>]*checked', page.content)
    assert score is not None
    data = {name.decode(): value.decode() for name, value in fields.items()} | {
        "score": score.group(1).decode()
    }
    after = browser.post(path_of(url).split("?")[0], data, follow=True)
    assert after.redirect_chain[-1][0].endswith("/?recorded=1")
    return page, after


def invitation_of(survey, n: int) -> SurveyInvitation:
    return SurveyInvitation.objects.get(survey=survey, transaction_id=f"order-{n}")


def test_surveys_go_out_by_the_contact_rules_and_the_loop_closes(survey, smtp_server, processes):
    # given
    start(processes, smtp_server)
    items = [
        {"customer": {"external_id": f"c{i % CUSTOMERS}"}, "transaction_id": f"order-{i}"}
        for i in range(INVITATIONS)
    ]
    # when: 1,000 invitations for 800 customers (the first 200 of them twice)
    results = survey_invitations_create(survey=survey, items=items, trigger="api")
    # then: each suppressed one says why, and the emails received are exactly the ones allowed now
    outcomes = Counter((result.status, result.reason) for result in results)
    assert outcomes == {
        ("scheduled", ""): 749,
        ("suppressed", "recently_this"): 149,
        ("suppressed", "recently_any"): 100,
        ("suppressed", "do_not_contact"): 2,
    }
    allowed_now = {email_of(n) for n in range(CUSTOMERS)} - {email_of(DO_NOT_CONTACT)}
    allowed_now -= {email_of(n) for n in (*SURVEYED_10_DAYS_AGO, *IN_QUIET_HOURS)}
    wait_until(lambda: len(smtp_server.messages) >= len(allowed_now), timeout=120, what="the 699 invitations")
    inbox = received(smtp_server)
    assert set(inbox) == allowed_now
    assert all(len(messages) == 1 for messages in inbox.values())

    # when: customer 300 clicks 3 in the email (the page opens; its script sends the form), then adds
    # a comment on the page it lands on; customer 301 clicks 10
    browser = Client()
    clicked_at = time.monotonic()
    page, recorded = one_click(browser, one_click_links(inbox[email_of(300)][0])[3])
    ref = re.search(rb'name="ref" value="([^"]*)"', recorded.content)
    comment = browser.post(
        recorded.request["PATH_INFO"],
        {
            "score": 3,
            "comment": "The parcel came two days late.",
            "ref": ref.group(1).decode() if ref else "",
        },
    )
    one_click(browser, one_click_links(inbox[email_of(301)][0])[10])
    # then: one feedback item per invitation, the comment on the first; the detractor's case in 10 s
    detractor, promoter = invitation_of(survey, 300), invitation_of(survey, 301)
    assert page.status_code == 200
    assert comment.status_code == 302
    items_300 = Feedback.objects.filter(external_id=f"invitation-{detractor.pk}")
    assert [(f.score, f.comment) for f in items_300] == [(3, "The parcel came two days late.")]
    assert list(
        Feedback.objects.filter(external_id=f"invitation-{promoter.pk}").values_list("score", flat=True)
    ) == [10]
    wait_until(
        lambda: Case.objects.filter(feedback=items_300[0]).exists(), timeout=10, what="the detractor's case"
    )
    assert time.monotonic() - clicked_at < 10

    # when: customer 302 presses their mail program's unsubscribe button (RFC 8058 one-click POST)
    header = inbox[email_of(302)][0]["List-Unsubscribe"].strip()
    assert inbox[email_of(302)][0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = Client(enforce_csrf_checks=True).post(
        path_of(header.strip("<>")),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert unsubscribe.status_code == 200
    # and an hour passes for customers 300 (answered), 302 (unsubscribed) and 303 (silent)
    an_hour_ago = timezone.now() - timedelta(hours=1, minutes=1)
    reminded = [invitation_of(survey, n) for n in (300, 302, 303)]
    SurveyInvitation.objects.filter(pk__in=[i.pk for i in reminded]).update(sent_at=an_hour_ago)
    # then: the one reminder goes to 303 only, once, through beat
    wait_until(lambda: count_to(smtp_server, email_of(303)) == 2, timeout=30, what="the reminder")
    time.sleep(6)  # three more runs of the reminder job
    inbox = received(smtp_server)
    assert [m["Subject"] for m in inbox[email_of(303)]] == [
        "How was your delivery?",
        "Reminder: How was your delivery?",
    ]
    assert len(inbox[email_of(300)]) == 1

    # and nothing of any kind reaches 302 any more: another survey, a case email
    other = InviteSurveyTextFactory(
        survey=InviteSurveyFactory(slug="after-return", days_between_any=0)
    ).survey
    (later,) = survey_invitations_create(
        survey=other, items=[{"customer": {"external_id": "c302"}}], trigger="api"
    )
    assert (later.status, later.reason) == ("suppressed", "do_not_contact")
    case_email = email_queue(key="case:test:302", to=email_of(302), subject="About your parcel", body="Hello")
    assert case_email.status == EmailMessage.Status.SUPPRESSED

    # when: the quiet-hours customers' night ends
    SurveyInvitation.objects.filter(survey=survey, status=Status.SCHEDULED).update(send_after=timezone.now())
    # then: beat sends them, and still nothing more to 302
    total = len(allowed_now) + len(IN_QUIET_HOURS) + 1
    wait_until(lambda: len(smtp_server.messages) >= total, timeout=30, what="the quiet-hours invitations")
    time.sleep(2)
    inbox = received(smtp_server)
    assert sum(len(messages) for messages in inbox.values()) == total
    assert {email_of(n) for n in IN_QUIET_HOURS} <= set(inbox)
    assert len(inbox[email_of(302)]) == 1
    assert not SurveyInvitation.objects.filter(survey=survey, status=Status.SCHEDULED).exists()
