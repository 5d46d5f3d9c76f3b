"""A Lisbon agent works a case in Portuguese: no English left on any page of the journey.

The demo's Lisbon contact centre works in Portuguese (cxloop/org/demo.py). The agent signs in (the
sign-in page follows the browser, English here), lands on the queue, claims a case, logs a call,
messages the customer from a template and resolves the case with a root cause. On every page each
visible text is compared with the catalogue: a text that is an English message whose Portuguese
differs means a string was left untranslated (or unmarked), and the test names it and the page.
"""

import re
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from cxloop.org.models import Department, Membership, Preference, Role, Team
from feedback.models import Category, Customer, Source, Survey, Touchpoint
from feedback.services.processing import feedback_sweep
from innerloop.models import Case, CaseStatus
from tests.core.test_translations import po_entries
from tests.e2e.axe import axe_violations, horizontal_overflow
from tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "cxloop-demo"
LISBON = "contact-centre-lisbon"

# Every visible text node, whitespace collapsed; options of a visible select count as visible.
VISIBLE_TEXTS = """() => {
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.replace(/\\s+/g, " ").trim();
    if (!text) continue;
    let element = node.parentElement;
    if (["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE"].includes(element.tagName)) continue;
    if (element.tagName === "OPTION") element = element.closest("select") || element;
    if (!element.checkVisibility({visibilityProperty: true})) continue;
    texts.push(text);
  }
  for (const element of document.querySelectorAll("[aria-label], [title], [placeholder]")) {
    if (!element.checkVisibility()) continue;
    for (const name of ["aria-label", "title", "placeholder"]) {
      const value = (element.getAttribute(name) || "").replace(/\\s+/g, " ").trim();
      if (value) texts.push(value);
    }
  }
  return texts;
}"""


def english_only() -> set[str]:
    """English messages whose Portuguese is different: seeing one means it was not translated."""
    english = set()
    for entry in po_entries():
        pairs = [(entry["msgid"], entry.get("msgstr[0]", entry.get("msgstr")))]
        if "msgid_plural" in entry:
            pairs.append((entry["msgid_plural"], entry["msgstr[1]"]))
        english |= {" ".join(msgid.split()) for msgid, msgstr in pairs if msgid != msgstr}
    return english


def data_names() -> set[str]:
    """Names people gave things (teams, categories, touchpoints...): data, shown as written."""
    names: set[str] = set()
    for model in (Team, Department, Category, Touchpoint, Source, Survey):
        names |= set(model.objects.values_list("name", flat=True))
    # Languages go by their own names in the language picker ("English", "Português").
    languages = {name for _code, name in settings.LANGUAGES}
    return names | languages | set(Customer.objects.values_list("name", flat=True))


SEED_END = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
def lisbon_case(transactional_db):
    """The demo with recent feedback triaged, and one open case for the Lisbon team with an email."""
    # A fixed end (a Sunday noon, as the words-not-codes crawl uses): the demo's live days (not yet
    # triaged) hold the Lisbon team's detractors whatever day the test runs; ending "now" on a
    # Monday at 1 a.m. left it two items and no case.
    call_command("seed_demo", customers=200, feedback=3000, end=SEED_END, verbosity=0)
    feedback_sweep(seconds=60)
    agent = Membership.objects.get(user__username="agente", role=Role.AGENT)
    case = (
        Case.objects.filter(team=agent.team, status=CaseStatus.NEW, customer__isnull=False)
        .exclude(customer__email="")
        .filter(customer__do_not_contact=False)
        .first()
    )
    assert case is not None, "triage opened cases for the Lisbon team"
    Case.objects.filter(team=agent.team, status=CaseStatus.NEW).exclude(pk=case.pk).update(
        status=CaseStatus.IN_PROGRESS
    )
    return case


def untranslated_on(page, english: set[str], names: set[str]) -> list[str]:
    page.wait_for_load_state()
    return sorted({text for text in page.evaluate(VISIBLE_TEXTS) if text in english and text not in names})


def test_a_lisbon_agent_works_a_case_in_portuguese(lisbon_case, login, live_server):
    # given: the Lisbon agent works in Portuguese; the catalogue says what English would look like
    assert Preference.objects.get(user__username="agente").language == "pt"
    assert Team.objects.get(slug=LISBON).memberships.filter(user__preference__language="pt").count() >= 5
    english, names = english_only(), data_names()
    case = lisbon_case
    root_cause = Category.objects.filter(parent__isnull=False, retired_at__isnull=True).first()
    seen: dict[str, list[str]] = {}
    # when: the queue
    page = login("agente", PASSWORD)
    expect(page).to_have_url(re.compile(r"/cases/$"))
    expect(page.locator("html")).to_have_attribute("lang", "pt")
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("Fila|Casos"))
    seen["queue"] = untranslated_on(page, english, names)
    # claim the next case: its page
    page.get_by_role("button", name="Assumir o próximo").first.click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/$"))
    expect(page.get_by_text("Registar um contacto").first).to_be_visible()
    seen["case"] = untranslated_on(page, english, names)
    # log a call
    contact = page.locator("#contact-form")
    contact.locator("select[name=channel]").select_option("phone")
    contact.locator("select[name=outcome]").select_option("reached")
    contact.locator("textarea[name=promised]").fill("Uma chamada na sexta-feira")
    contact.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("Contacto registado")
    seen["after the call"] = untranslated_on(page, english, names)
    # message the customer from a template
    page.get_by_text("Escrever ao cliente").first.click()
    picker = page.locator("#message-template-form")
    picker.locator("select[name=template]").select_option("sorry-we-let-you-down")
    picker.get_by_role("button", name="Usar modelo").click()
    message = page.locator("#message-form")
    expect(message.locator("textarea[name=body]")).not_to_be_empty()
    seen["message"] = untranslated_on(page, english, names)
    message.get_by_role("button", name="Enviar mensagem").click()
    expect(page.locator(".messages")).to_contain_text("Mensagem enviada")
    # resolve with a root cause
    page.locator("details:has(#resolve-form) > summary").first.click()
    resolve = page.locator("#resolve-form")
    resolve.locator("select[name=root_cause]").select_option(root_cause.slug)
    resolve.locator("textarea[name=resolution_note]").fill("Reembolsado, com um pedido de desculpa")
    resolve.get_by_role("button", name="Resolver caso").click()
    expect(page.locator(".messages")).to_contain_text(f"Caso {case.pk} resolvido")
    seen["after resolving"] = untranslated_on(page, english, names)
    # and the case's timeline, in Portuguese too
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    timeline = page.locator("#timeline")
    for step in ("Atribuído", "Contacto registado", "Mensagem enviada", "Resolvido"):
        expect(timeline).to_contain_text(step)
    seen["timeline"] = untranslated_on(page, english, names)
    # then: no English anywhere the agent went
    assert {where: texts for where, texts in seen.items() if texts} == {}
    case.refresh_from_db()
    assert (case.status, case.root_cause) == (CaseStatus.RESOLVED, root_cause)


@pytest.mark.parametrize("size", [{"width": 390, "height": 844}, {"width": 1440, "height": 900}])
def test_a_person_switches_language_on_their_page(browser, live_server, size):
    # given: a Lisbon agent who works in Portuguese
    agent = UserFactory(username="joana", first_name="Joana", last_name="Reis")
    agent.set_password(PASSWORD)
    agent.save()
    MembershipFactory(user=agent, role=Role.AGENT, team=TeamFactory(name="Contact Centre Lisbon"))
    Preference.objects.create(user=agent, language="pt")
    context = browser.new_context(viewport=size)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("joana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    # when: the language page, from the header's menu
    if size["width"] < 800:
        page.locator("details.menu > summary").click()
    page.get_by_role("link", name="Idioma").click()
    # then: in Portuguese, usable on a phone, no serious accessibility problem
    expect(page.get_by_role("heading", level=1)).to_have_text("O seu idioma")
    assert horizontal_overflow(page) == 0
    assert axe_violations(page) == []
    # when: English chosen
    page.get_by_label("Idioma").select_option("en")
    page.get_by_role("button", name="Guardar").click()
    # then: the next page is in English, and so is every page after
    expect(page.get_by_role("heading", level=1)).to_have_text("Your language")
    expect(page.locator(".messages")).to_contain_text("Your language is saved.")
    page.goto(f"{live_server.url}/cases/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    context.close()


AGENT_PAGES = [
    "/feedback/new/",
    "/feedback/staff/",
    "/huddles/",
    "/my-team/",
    "/feedback/",
    "/notifications/",
    "/you-said-we-did/",
    "/settings/language/",
    "/settings/api-tokens/",
]


def test_every_other_page_of_a_lisbon_agent_is_in_portuguese(lisbon_case, login, live_server):
    # given
    english, names = english_only(), data_names()
    page = login("agente", PASSWORD)
    # when: each page of the agent's menu, and a feedback item and a huddle from their lists
    seen = {}
    for path in AGENT_PAGES:
        page.goto(f"{live_server.url}{path}")
        seen[path] = untranslated_on(page, english, names)
    for path, pattern in (("/feedback/", r"/feedback/\d+/$"), ("/huddles/", r"/huddles/\d+/$")):
        page.goto(f"{live_server.url}{path}")
        hrefs = [link.get_attribute("href") or "" for link in page.locator("main a").all()]
        href = next(href for href in hrefs if re.search(pattern, href))
        page.goto(f"{live_server.url}{href}")
        seen[href] = untranslated_on(page, english, names)
    # then
    assert {path: texts for path, texts in seen.items() if texts} == {}
