"""The filters that turn values into words (cxloop/core/templatetags/cxloop_words.py) and the reader
the raw-code test relies on (tests/visible_words.py), checked on small known inputs."""

import html
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from tests.factories import UserFactory
from tests.visible_words import Vocabulary, offences, visible_text


@pytest.fixture(autouse=True)
def _english():
    """English unless a test says otherwise (a request before may have left another language on)."""
    with translation.override("en"):
        yield


def _render(source: str, **context) -> str:
    return Template("{% load cxloop_words %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("p", "words"),
    [
        (1.1e-22, "very unlikely to be chance (p < 0.001)"),
        (0.004, "unlikely to be chance (p = 0.004)"),
        (0.03, "probably not chance (p = 0.03)"),
        (0.32, "could well be chance (p = 0.32)"),
    ],
)
def test_a_p_value_reads_as_words_with_the_number_never_in_scientific_notation(p, words):
    # when
    text = _render("{{ p|p_in_words }}", p=p)
    # then: as the browser shows it (the "<" is escaped in the page)
    assert html.unescape(text) == words


def test_no_p_value_shows_nothing():
    assert _render("{{ p|p_in_words }}", p=None) == ""


def test_money_is_in_the_organisations_currency_written_as_the_language_writes_it(settings):
    # given
    settings.CXLOOP_CURRENCY = "EUR"
    # when
    english = _render("{{ v|money }}", v=Decimal("941744.4"))
    with translation.override("pt"):
        portuguese = _render("{{ v|money }}", v=Decimal("941744.4"))
    # then
    assert english == "€941,744"
    assert portuguese == "941\xa0744\xa0€"


def test_money_follows_the_currency_setting(settings):
    # given
    settings.CXLOOP_CURRENCY = "GBP"
    # when, then
    assert _render("{{ v|money }}", v=1200) == "£1,200"


def test_a_segment_code_reads_as_words():
    assert _render("{{ s|code_label }}", s="small_business") == "Small business"
    assert _render("{{ s|code_label }}", s="key-accounts") == "Key accounts"


@pytest.mark.django_db
def test_a_person_is_shown_by_full_name_everywhere_and_by_username_only_without_one():
    # given
    named = UserFactory(username="priya.n", first_name="Priya", last_name="Nair")
    unnamed = UserFactory(username="robot", first_name="", last_name="")
    # when, then
    assert _render("{{ u|person }} / {{ u }}", u=named) == "Priya Nair / Priya Nair"
    assert str(unnamed) == "robot"


def test_the_reader_keeps_visible_text_and_read_out_attributes_only():
    # given
    page = (
        '<p title="Case status">Status: <b>in_progress</b></p><script>var x = "small_business";</script>'
        '<style>.none{}</style><input placeholder="Search cases"><code>priya.nair</code>'
    )
    # when
    chunks = visible_text(page)
    # then
    assert chunks == ["Case status", "Status:", "in_progress", "Search cases"]


def test_offences_name_codes_and_wrong_words_and_leave_words_alone():
    # given
    words = Vocabulary()
    words.add("in_progress", "In progress", "Case.status value")
    words.add("voicemail", "Left a voicemail", "ContactAttempt.outcome value")
    words.add("contact-centre-leeds", "Contact Centre Leeds", "Team slug")
    chunks = [
        "new → in_progress",
        "phone: voicemail",
        "Team contact-centre-leeds",
        "1 mentions",
        "p 1.1e-22",
        "Deferd",
        "Owner: None",
        "[invalid name]:",
        "value at risk 941744",
        # words, not codes
        "In progress · Left a voicemail",
        "11 mentions, 1 status, None yet.",
        "https://example.com/hooks/contact-centre-leeds/",
        "€941,744 · CALL-00000198 · case #10234",
    ]
    words.misspellings.add("Deferd")
    # when
    found = offences(chunks, words)
    # then
    assert [finding.split(":")[0] for finding in found] == [
        "'in_progress'",
        "'voicemail'",
        "'contact-centre-leeds'",
        "'1 mentions'",
        "'1.1e-22'",
        "'Deferd'",
        "'None'",
        "'[invalid name]'",
        "'941744'",
    ]


def test_a_yes_no_filter_offers_any_not_unknown():
    from cxloop.core.filters import StrictBooleanFilter

    # when
    html = StrictBooleanFilter().field.widget.render("overdue", None)
    # then
    assert '<option value="unknown" selected>Any</option>' in html
    assert "Unknown" not in html
