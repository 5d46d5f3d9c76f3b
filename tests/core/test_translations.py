"""The Portuguese catalogue is complete and compiled, and each person works in their own language."""

import ast
import gettext
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation

from cxloop.core.models import AuditEvent
from cxloop.core.templatetags.cxloop_i18n import language_label
from cxloop.notifications.models import Notification
from cxloop.org.language import SESSION_KEY
from cxloop.org.models import Preference, Role
from innerloop.models import Priority
from innerloop.services.alerts import alerts_for_new_cases
from tests.factories import MembershipFactory, UserFactory
from tests.innerloop.factories import CaseFactory

PO = Path(settings.BASE_DIR) / "locale" / "pt" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
FIELD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$')
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def po_entries(path: Path = PO) -> list[dict]:
    """The catalogue's entries: their fields (strings unquoted) and flags; the header left out."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict = {"flags": set()}
        current = None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif match := FIELD.match(line):
                current = match.group(1)
                entry[current] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and current:
                entry[current] += ast.literal_eval(line)
        if entry.get("msgid"):
            entries.append(entry)
    return entries


def translations_of(entry: dict) -> list[str]:
    return [value for name, value in sorted(entry.items()) if name.startswith("msgstr")]


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = po_entries()
    untranslated = [entry["msgid"] for entry in entries if not all(translations_of(entry))]
    fuzzy = [entry["msgid"] for entry in entries if "fuzzy" in entry["flags"]]
    assert len(entries) > 500, "the catalogue holds the interface's strings"
    assert untranslated == []
    assert fuzzy == []


def test_plural_messages_have_both_forms_and_placeholders_survive():
    wrong = []
    for entry in po_entries():
        sources = PLACEHOLDER.findall(entry["msgid"] + entry.get("msgid_plural", ""))
        for text in translations_of(entry):
            if set(PLACEHOLDER.findall(text)) - set(sources):
                wrong.append((entry["msgid"], text))
        if "msgid_plural" in entry:
            assert len(translations_of(entry)) == 2, entry["msgid"]
        elif set(PLACEHOLDER.findall(entry["msgid"])) != set(PLACEHOLDER.findall(entry["msgstr"])):
            wrong.append((entry["msgid"], entry["msgstr"]))
    assert wrong == []


def test_the_compiled_catalogue_matches_the_po_file():
    # given: the .mo as Django reads it
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    # then: every message of the .po translates to its msgstr (the .mo is not stale)
    stale = []
    for entry in po_entries():
        msgid = entry["msgid"] if "msgctxt" not in entry else f"{entry['msgctxt']}\x04{entry['msgid']}"
        if "msgid_plural" in entry:
            got = [compiled.ngettext(msgid, entry["msgid_plural"], n) for n in (1, 2)]
            expected = [entry["msgstr[0]"], entry["msgstr[1]"]]
        else:
            got, expected = [compiled.gettext(msgid)], [entry["msgstr"]]
        if got != expected:
            stale.append(entry["msgid"])
    assert stale == []
    assert MO.stat().st_mtime >= PO.stat().st_mtime - 1, "compile the catalogue after editing the .po"


@pytest.mark.parametrize(
    ("language", "short_date", "number"),
    [("en", "06/12/2026", "1,234.5"), ("pt", "06/12/2026", "1\xa0234,5")],
)
def test_dates_and_numbers_follow_the_language(language, short_date, number):
    with translation.override(language):
        assert formats.date_format(date(2026, 12, 6), "SHORT_DATE_FORMAT") == short_date
        assert formats.number_format(Decimal("1234.5"), 1, force_grouping=True) == number
        month = formats.date_format(date(2026, 12, 6), "DATE_FORMAT")
    assert month == {"en": "6 Dec 2026", "pt": "6 Dez 2026"}[language]


@pytest.fixture
def agent(org):
    person = UserFactory(username="ines", first_name="Inês", last_name="Carvalho")
    MembershipFactory(user=person, role=Role.AGENT, team=org["team_a1"])
    return person


@pytest.mark.django_db
def test_a_person_without_a_choice_sees_the_organisation_default(client, agent):
    client.force_login(agent)
    page = client.get(reverse("org:language"), HTTP_ACCEPT_LANGUAGE="pt")
    assert '<html lang="en">' in page.content.decode()
    assert "Your language" in page.content.decode()


@pytest.mark.django_db
def test_a_persons_language_is_used_on_every_page_and_read_once_per_session(client, agent):
    # given: Portuguese chosen
    Preference.objects.create(user=agent, language="pt")
    client.force_login(agent)
    # when
    first = client.get(reverse("org:language")).content.decode()
    # then: Portuguese, from the navigation to the page's own words
    assert '<html lang="pt">' in first
    assert "O seu idioma" in first
    assert ">Casos<" in first
    assert "Terminar sessão" in first
    assert client.session[SESSION_KEY] == {"user": agent.pk, "language": "pt"}
    # and a change made elsewhere is not read again on each page: the session keeps what it read
    Preference.objects.filter(user=agent).update(language="en")
    assert '<html lang="pt">' in client.get(reverse("org:language")).content.decode()


@pytest.mark.django_db
def test_choosing_a_language_on_the_page_applies_it_at_once_and_is_audited(client, agent):
    client.force_login(agent)
    client.get(reverse("org:language"))
    # when
    answer = client.post(reverse("org:language"), {"language": "pt"}, follow=True)
    # then
    assert answer.redirect_chain[-1][0] == reverse("org:language")
    assert Preference.objects.get(user=agent).language == "pt"
    shown = answer.content.decode()
    assert '<html lang="pt">' in shown
    assert "O seu idioma foi guardado." in shown
    event = AuditEvent.objects.get(verb="preference.language_changed")
    assert (event.actor, event.data) == (agent, {"to": "pt"})
    # and back to the organisation's default
    client.post(reverse("org:language"), {"language": ""})
    assert Preference.objects.get(user=agent).language == ""
    assert '<html lang="en">' in client.get(reverse("org:language")).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["xx", "pt-BR", "<script>"])
def test_the_language_page_refuses_a_language_it_does_not_offer(client, agent, language):
    client.force_login(agent)
    # when
    answer = client.post(reverse("org:language"), {"language": language})
    # then: a form error on the field, nothing saved, the input not echoed raw
    assert answer.status_code == 400
    shown = answer.content.decode()
    assert "Choose one of the languages in the list." in shown
    assert "<script>" not in shown.split("<main", 1)[1]
    assert not Preference.objects.filter(user=agent).exists()


@pytest.mark.django_db
def test_the_language_page_needs_a_signed_in_person(client):
    answer = client.get(reverse("org:language"))
    assert answer.status_code == 302
    assert "login" in answer["Location"]


@pytest.mark.django_db
def test_alerts_are_written_in_the_language_of_each_person_they_are_for(org):
    # given: a high-priority case for a team with a lead in Portuguese and one in English
    leads = {}
    for username, language in (("rita", "pt"), ("tom", "")):
        leads[username] = UserFactory(username=username)
        MembershipFactory(user=leads[username], role=Role.TEAM_LEAD, team=org["team_a1"])
        Preference.objects.create(user=leads[username], language=language)
    case = CaseFactory(team=org["team_a1"], priority=Priority.HIGH)
    # when
    alerts_for_new_cases(case_ids=[case.pk])
    # then
    titles = dict(Notification.objects.values_list("user__username", "title"))
    assert case.kind.name == "Detractor recovery"
    assert titles["rita"] == "Novo caso de prioridade alta: Recuperação de detrator"
    assert titles["tom"] == "New high-priority case: Detractor recovery"


@pytest.mark.parametrize(
    ("code", "language", "shown"),
    [
        ("pt-PT", "en", "Portuguese"),
        ("en", "pt", "Inglês"),
        ("de", "pt", "Alemão"),
        ("xx", "en", "xx"),
        ("", "en", ""),
    ],
)
def test_a_feedback_language_is_shown_by_its_name(code, language, shown):
    with translation.override(language):
        assert language_label(code) == shown


def test_the_kinds_of_case_cxloop_ships_read_in_the_persons_language_and_others_as_written():
    from innerloop.models import CaseKind

    # when
    with translation.override("pt"):
        shipped, own = str(CaseKind(name="Detractor recovery")), str(CaseKind(name="Loja: devolução"))
    # then
    assert (shipped, own) == ("Recuperação de detrator", "Loja: devolução")


def test_the_statuses_a_person_moves_a_case_to_are_translated():
    from innerloop.actions import MANUAL_STATUSES

    with translation.override("pt"):
        labels = [str(label) for _, label in MANUAL_STATUSES]
    assert "Waiting on customer" not in labels
    assert "In progress" not in labels
