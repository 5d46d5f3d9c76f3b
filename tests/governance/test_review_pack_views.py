"""The system-review pack's page and PDF, and "resolved but recurring" on the committee page."""

import re
import zlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from governance.review_pack.pack import review_pack
from governance.review_pack.pdf import latin1, pack_pdf
from governance.review_pack.period import PackPeriod
from innerloop.models import Case, CaseStatus
from tests.factories import CategoryFactory, DepartmentFactory, FeedbackFactory, SourceFactory, TeamFactory
from tests.innerloop.factories import CaseFactory
from tests.outerloop.factories import SignalFactory

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
EMOJI_NAME = "Équipe Łódź 🚚 配送"


@pytest.fixture
def recurring(org, committee):
    """A rising root cause named with a script tag, with resolved cases in a team whose name has an emoji."""
    now = timezone.now()
    cause = CategoryFactory(name=f"Late {SCRIPT}")
    SignalFactory(
        category=cause, rising=True, rate_ratio=3.0, window_start=now - timedelta(days=28), window_end=now
    )
    team = TeamFactory(name="Couriers", department=DepartmentFactory(name=EMOJI_NAME, slug="dept-emoji"))
    for status in (CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.IN_PROGRESS):
        case = CaseFactory(team=team, root_cause=cause, status=status, resolution_note="Sent a new one.")
        Case.objects.filter(pk=case.pk).update(created_at=now - timedelta(days=2))
    SourceFactory(name=f"Kiosk {SCRIPT} 😀")
    FeedbackFactory(source=SourceFactory(name="Survey"), occurred_at=now - timedelta(days=3))
    return cause


@pytest.mark.parametrize(
    ("role", "status"),
    [("agent", 403), ("lead", 403), ("manager", 403), ("committee", 200), ("admin", 200)],
)
def test_only_committee_members_and_admins_open_the_pack(client, people, committee, role, status):
    client.force_login(people[role])
    assert client.get(reverse("governance:review-pack")).status_code == status
    assert client.get(reverse("governance:review-pack-pdf")).status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client, committee):
    response = client.get(reverse("governance:review-pack"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_page_shows_every_section_in_words_and_escapes_user_text(client, people, recurring):
    client.force_login(people["committee"])
    response = client.get(reverse("governance:review-pack"))
    html = response.content.decode()
    for title in (
        "Channels and touchpoints",
        "Loop-closure trend",
        "Huddle attendance and commitments",
        "Escalated obstacles: time to be picked up",
        "Initiative throughput and stalls",
        "Forecast accuracy",
        "No forecasts yet.",
        "Rules that never or always match",
        "SLA targets against what happened",
        "Resolved but recurring",
        "Download PDF",
    ):
        assert title in html
    assert SCRIPT not in html
    assert "Late &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "67 % (21-94 %), 2 of 3 · small sample" in html  # Wilson of 2 of 3, by hand: 20.8 % to 93.9 %


def test_the_pdf_is_a_pdf_with_the_same_content(client, people, recurring):
    client.force_login(people["committee"])
    response = client.get(reverse("governance:review-pack-pdf"))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert b"attachment;" in response["Content-Disposition"].encode()


def test_pdf_text_carries_the_sections_and_survives_emoji_and_script_tags(people, recurring):
    # given
    today = timezone.localdate()
    period = PackPeriod(date_from=today - timedelta(days=60), date_to=today)
    sections = review_pack(user=people["committee"], period=period)
    # when
    content = pack_pdf(sections=sections, period=period, compress=False)
    # then: the text is in the page streams, in Latin-1, the emoji and the CJK replaced
    assert content.startswith(b"%PDF")
    assert b"Resolved but recurring" in content
    assert b"Late <script>alert\\(1\\)</script>" in content  # parentheses escaped in PDF strings
    assert latin1(EMOJI_NAME).encode("latin-1") in content
    assert latin1(EMOJI_NAME) == "Équipe Lódz ? ??"


def test_the_compressed_pdf_holds_the_same_text(people, recurring):
    today = timezone.localdate()
    period = PackPeriod(date_from=today - timedelta(days=60), date_to=today)
    content = pack_pdf(sections=review_pack(user=people["committee"], period=period), period=period)
    streams = re.findall(rb"/FlateDecode.*?stream\n(.*?)\nendstream", content, flags=re.DOTALL)
    text = b"".join(zlib.decompress(stream) for stream in streams)
    assert b"Forecast accuracy" in text


def test_latin1_drops_control_characters_and_keeps_accents():
    assert latin1("Zoë\x00 \u2013 \u201cok\u201d 😀") == 'Zoë - "ok" ?'


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date_from=2026-05-01&date_to=2026-01-01", "date_to"),
        ("date_from=nonsense&date_to=2026-01-01", "date_from"),
        ("date_from=2026-01-01&date_to=9999-12-31", "date_to"),
    ],
)
def test_a_wrong_period_is_refused_naming_the_field(client, people, committee, query, field):
    client.force_login(people["committee"])
    page = client.get(reverse("governance:review-pack") + "?" + query)
    pdf = client.get(reverse("governance:review-pack-pdf") + "?" + query)
    assert (page.status_code, pdf.status_code) == (400, 400)
    assert field in pdf.content.decode()


def test_the_page_takes_a_bounded_number_of_queries(client, people, recurring, django_assert_max_num_queries):
    client.force_login(people["committee"])
    for index in range(5):
        SignalFactory(category=CategoryFactory(name=f"Cause {index}"), rising=True)
        SourceFactory(name=f"Channel {index}")
    with django_assert_max_num_queries(35):  # a fixed number: about 25 for the sections
        assert client.get(reverse("governance:review-pack")).status_code == 200


def test_the_committee_page_shows_resolved_but_recurring_and_links_the_pack(client, people, recurring):
    client.force_login(people["committee"])
    html = client.get(reverse("governance:committee")).content.decode()
    assert "Resolved but recurring" in html
    assert reverse("governance:review-pack") in html
    assert SCRIPT not in html


def test_a_manager_sees_resolved_but_recurring_for_their_department_without_the_pack_link(
    client, people, recurring
):
    client.force_login(people["manager"])
    html = client.get(reverse("governance:committee")).content.decode()
    assert "Resolved but recurring" in html
    assert EMOJI_NAME not in html  # the team is in another department than the manager's
    assert reverse("governance:review-pack") not in html


def test_the_page_says_words_not_codes(client, people, recurring):
    # given: a stalled initiative, a scored forecast and a switched-off rule besides the recurring cause
    from outerloop.models import ForecastMetric, ForecastOutcome, ImpactReview, Stage
    from tests.innerloop.factories import CaseRuleFactory
    from tests.outerloop.factories import InitiativeFactory
    from tests.visible_words import offences, visible_text, vocabulary

    now = timezone.now()
    stalled = InitiativeFactory(
        stage=Stage.CUSTOMER_TEST,
        stage_changed_at=now - timedelta(days=90),
        forecast_metric=ForecastMetric.NPS,
        forecast_change=4.0,
        forecast_by=now.date(),
    )
    ImpactReview.objects.create(
        initiative=stalled,
        before_start=now - timedelta(days=60),
        split_at=now - timedelta(days=30),
        after_end=now,
        forecast_outcome=ForecastOutcome.MISSED,
        forecast_achieved=0.25,
    )
    CaseRuleFactory(position=1, name="Detractors first", active=False)
    client.force_login(people["committee"])
    # when
    html = client.get(reverse("governance:review-pack")).content.decode()
    # then
    assert "Customer test" in html
    assert "Missed" in html
    assert offences(visible_text(html), vocabulary()) == []
