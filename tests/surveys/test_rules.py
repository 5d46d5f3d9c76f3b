"""The contact rules, through survey_invitations_create: each rule keeps out exactly the invitations
it should, with its reason, and the allowed ones are scheduled (at the end of quiet hours)."""

import threading
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from feedback.models import Survey, SurveyInvitation
from feedback.surveys.invitations import survey_invitations_create
from feedback.surveys.rules import in_sample, quiet_hours_end
from tests.factories import (
    CustomerFactory,
    InviteInvitationFactory,
    InviteSurveyFactory,
    InviteSurveyTextFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db
Reason = SurveyInvitation.Reason
# A zone 14 hours ahead of UTC: never inside a two-hour quiet window around the time in UTC.
FAR_ZONE = "Pacific/Kiritimati"


def _create(survey, items):
    return survey_invitations_create(survey=survey, items=items, trigger="api")


def _by_customer(customer, **extra):
    return {"customer_id": customer.pk, **extra}


def _backdate(invitation, days):
    SurveyInvitation.objects.filter(pk=invitation.pk).update(created_at=timezone.now() - timedelta(days=days))


def test_1000_invitations_for_800_customers_schedule_exactly_what_the_rules_allow():
    # given: a survey with quiet hours around the time now in UTC, and 800 customers of whom
    now = datetime.now(UTC)
    survey = InviteSurveyFactory(
        days_between_this=90,
        days_between_any=14,
        quiet_from=(now - timedelta(hours=1)).time(),
        quiet_until=(now + timedelta(hours=1)).time(),
    )
    other = InviteSurveyFactory()
    customers = [CustomerFactory(time_zone=FAR_ZONE) for _ in range(800)]
    for customer in customers[:100]:  # surveyed 10 days ago by this survey
        _backdate(InviteInvitationFactory(survey=survey, customer=customer), days=10)
    for customer in customers[100:150]:  # and by another survey
        _backdate(InviteInvitationFactory(survey=other, customer=customer), days=10)
    for customer in customers[150:160]:  # suppressed 10 days ago: that does not count
        _backdate(
            InviteInvitationFactory(survey=survey, customer=customer, status="suppressed",
                                    suppressed_reason=Reason.NOT_SAMPLED), days=10,
        )  # fmt: skip
    CustomerFactory._meta.model.objects.filter(pk=customers[160].pk).update(do_not_contact=True)
    CustomerFactory._meta.model.objects.filter(pk__in=[c.pk for c in customers[161:171]]).update(email="")
    CustomerFactory._meta.model.objects.filter(pk__in=[c.pk for c in customers[171:181]]).update(
        email_bounced_at=now
    )
    quiet = customers[181:231]
    CustomerFactory._meta.model.objects.filter(pk__in=[c.pk for c in quiet]).update(time_zone="UTC")
    # 1,000 items: every customer once, and 200 of them a second time (another transaction)
    items = [_by_customer(c, transaction_id=f"order-{i}") for i, c in enumerate(customers)]
    items += [_by_customer(c, transaction_id=f"order-again-{i}") for i, c in enumerate(customers[600:])]

    # when
    results = _create(survey, items)

    # then
    reasons = Counter(SurveyInvitation.objects.filter(survey=survey, transaction_id__startswith="order")
                      .values_list("suppressed_reason", flat=True))  # fmt: skip
    assert reasons == {
        "": 800 - 171,
        Reason.RECENTLY_THIS: 100 + 200,
        Reason.RECENTLY_ANY: 50,
        Reason.DO_NOT_CONTACT: 1,
        Reason.NO_ADDRESS: 10,
        Reason.BOUNCED: 10,
    }
    assert Counter(result.status for result in results) == {"scheduled": 629, "suppressed": 371}
    assert all(result.reason for result in results if result.status == "suppressed")
    scheduled = SurveyInvitation.objects.filter(survey=survey, status="scheduled")
    in_quiet = scheduled.filter(customer__in=quiet)
    assert in_quiet.count() == 50
    assert all(inv.send_after > now + timedelta(minutes=50) for inv in in_quiet)
    assert all(inv.send_after < now + timedelta(minutes=5) for inv in scheduled.exclude(customer__in=quiet))
    assert all(inv.expires_at == inv.send_after + timedelta(days=30) for inv in scheduled)


def test_an_inactive_survey_suppresses_every_invitation():
    survey = InviteSurveyFactory(active=False)
    results = _create(survey, [_by_customer(CustomerFactory())])
    assert (results[0].status, results[0].reason) == ("suppressed", Reason.INACTIVE)


def test_a_complaint_counts_as_do_not_contact():
    customer = CustomerFactory(email_complained_at=timezone.now())
    results = _create(InviteSurveyFactory(), [_by_customer(customer)])
    assert results[0].reason == Reason.DO_NOT_CONTACT
    assert results[0].reason_label == "The customer asked not to be contacted"


def test_a_text_message_survey_needs_a_phone_number():
    survey = InviteSurveyFactory(channel=Survey.Channel.SMS)
    with_phone, without = CustomerFactory(phone="+351912345678"), CustomerFactory(phone="")
    results = _create(survey, [_by_customer(with_phone), _by_customer(without)])
    assert [r.reason for r in results] == ["", Reason.NO_ADDRESS]


def test_a_bounced_address_stops_email_surveys_only():
    customer = CustomerFactory(email_bounced_at=timezone.now(), phone="+351912345678")
    email = _create(InviteSurveyFactory(), [_by_customer(customer)])
    sms = _create(InviteSurveyFactory(channel=Survey.Channel.SMS), [_by_customer(customer)])
    assert (email[0].reason, sms[0].status) == (Reason.BOUNCED, "scheduled")


def test_frequency_across_surveys_lapses_after_its_days():
    survey = InviteSurveyFactory(days_between_any=14)
    recent, older = CustomerFactory(), CustomerFactory()
    _backdate(InviteInvitationFactory(customer=recent), days=13)
    _backdate(InviteInvitationFactory(customer=older), days=15)
    results = _create(survey, [_by_customer(recent), _by_customer(older)])
    assert [r.reason for r in results] == [Reason.RECENTLY_ANY, ""]


def test_two_items_for_one_customer_in_a_batch_send_one():
    customer = CustomerFactory()
    results = _create(InviteSurveyFactory(), [_by_customer(customer, transaction_id=t) for t in ("a", "b")])
    assert [(r.status, r.reason) for r in results] == [
        ("scheduled", ""),
        ("suppressed", Reason.RECENTLY_THIS),
    ]


def test_sampling_decides_by_transaction_the_same_every_time():
    # given
    survey = InviteSurveyFactory(sample_percent=30, days_between_this=0, days_between_any=0)
    customer = CustomerFactory()
    items = [_by_customer(customer, transaction_id=f"t-{i}") for i in range(1000)]
    # when
    results = _create(survey, items)
    # then: about 30 % in, each exactly as the hash decides
    sampled = [r.status == "scheduled" for r in results]
    assert 250 < sum(sampled) < 350
    assert sampled == [in_sample(survey=survey, key=f"t-{i}") for i in range(1000)]
    assert {r.reason for r in results if r.status == "suppressed"} == {Reason.NOT_SAMPLED}


def test_the_daily_cap_counts_todays_sent_invitations_only():
    # given: 3 counted today, 1 suppressed today (not counted), 1 yesterday
    survey = InviteSurveyFactory(daily_cap=5, days_between_this=0, days_between_any=0)
    InviteInvitationFactory.create_batch(3, survey=survey)
    InviteInvitationFactory(survey=survey, status="suppressed", suppressed_reason=Reason.NO_ADDRESS)
    _backdate(InviteInvitationFactory(survey=survey), days=1)
    # when
    results = _create(survey, [_by_customer(CustomerFactory()) for _ in range(4)])
    # then
    assert [r.reason for r in results] == ["", "", Reason.DAILY_CAP, Reason.DAILY_CAP]


@pytest.mark.django_db(transaction=True)
def test_the_daily_cap_holds_for_batches_deciding_at_the_same_time():
    # given
    survey = InviteSurveyFactory(daily_cap=10, days_between_this=0, days_between_any=0)
    batches = [[_by_customer(CustomerFactory()) for _ in range(8)] for _ in range(2)]
    barrier = threading.Barrier(2)

    def send(items):
        barrier.wait()
        try:
            _create(survey, items)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=send, args=(items,)) for items in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert SurveyInvitation.objects.filter(survey=survey, status="scheduled").count() == 10
    assert SurveyInvitation.objects.filter(survey=survey, suppressed_reason=Reason.DAILY_CAP).count() == 6


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ("2026-03-10 22:30", "2026-03-11 08:00"),  # after the start of a window that wraps midnight
        ("2026-03-10 03:00", "2026-03-10 08:00"),  # after midnight, inside it
        ("2026-03-10 12:00", None),  # outside: now
    ],
)
def test_quiet_hours_end_in_the_customers_time_zone(local, expected):
    survey = InviteSurveyFactory.build(quiet_from=time(21), quiet_until=time(8))
    zone = ZoneInfo("America/New_York")
    now = datetime.fromisoformat(local).replace(tzinfo=zone)
    end = quiet_hours_end(survey=survey, zone_name="America/New_York", now=now)
    assert end == (datetime.fromisoformat(expected).replace(tzinfo=zone) if expected else now)


def test_an_unknown_time_zone_keeps_the_sites_quiet_hours(settings):
    settings.TIME_ZONE = "Europe/Lisbon"
    survey = InviteSurveyFactory.build(quiet_from=time(21), quiet_until=time(8))
    now = datetime(2026, 7, 1, 22, 0, tzinfo=UTC)  # 23:00 in Lisbon
    end = quiet_hours_end(survey=survey, zone_name="Mars/Olympus_Mons", now=now)
    assert end == datetime(2026, 7, 2, 8, 0, tzinfo=ZoneInfo("Europe/Lisbon"))


def test_the_language_is_one_the_survey_is_written_in():
    # given
    survey = InviteSurveyFactory(default_language="en")
    InviteSurveyTextFactory(survey=survey, language="en")
    InviteSurveyTextFactory(survey=survey, language="pt")
    customer_pt = {"external_id": "c-pt", "email": "pt@example.test", "language": "pt-PT"}
    # when
    customer_de = {"external_id": "c-de", "email": "de@example.test"}
    results = _create(survey, [
        {"customer": customer_pt, "transaction_id": "1"},
        {"customer": customer_de, "language": "de", "transaction_id": "2"},
    ])  # fmt: skip
    # then
    languages = [SurveyInvitation.objects.get(pk=r.invitation_id).language for r in results]
    assert languages == ["pt", "en"]


def test_the_sender_is_asked_once_per_batch_after_commit(django_capture_on_commit_callbacks, monkeypatch):
    # given
    from feedback.surveys import tasks

    sent = []
    monkeypatch.setattr(tasks.send_due, "apply_async", lambda **kwargs: sent.append(kwargs))
    survey = InviteSurveyFactory()
    items = [_by_customer(CustomerFactory()) for _ in range(5)]
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _create(survey, items)
    # then
    assert (len(callbacks), sent) == (1, [])
    callbacks[0]()
    assert sent == [{"kwargs": {}, "retry": False}]


def test_the_sender_is_not_asked_when_nothing_is_due(django_capture_on_commit_callbacks):
    now = datetime.now(UTC)
    survey = InviteSurveyFactory(
        quiet_from=(now - timedelta(hours=1)).time(), quiet_until=(now + timedelta(hours=1)).time()
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        results = _create(survey, [_by_customer(CustomerFactory(time_zone="UTC"))])
    assert (results[0].status, callbacks) == ("scheduled", [])


def test_an_employee_survey_invites_people_by_their_user_id(people):
    # given
    survey = InviteSurveyFactory(audience=Survey.Audience.EMPLOYEES, source=SourceFactory(kind="employee"))
    people["agent"].email = "agent@example.test"
    people["agent"].save(update_fields=["email"])
    people["agent_b"].is_active = False
    people["agent_b"].save(update_fields=["is_active"])
    # when
    results = _create(
        survey,
        [
            {"employee_id": people["agent"].pk},
            {"employee_id": people["agent"].pk},
            {"employee_id": people["agent_b"].pk},
            {"customer_id": CustomerFactory().pk},
        ],
    )
    # then
    assert [(r.status, r.reason) for r in results[:2]] == [
        ("scheduled", ""),
        ("suppressed", Reason.RECENTLY_THIS),
    ]
    assert results[2].errors == {"employee_id": ["unknown or inactive."]}
    assert "employee_id" in results[3].errors
    assert SurveyInvitation.objects.get(pk=results[0].invitation_id).employee == people["agent"]
