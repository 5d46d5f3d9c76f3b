"""Words, not codes (issue #16, item 6): every page type, rendered with the demo data for each role,
shows labels and names, never a slug, a choice value, a username, "None", a p-value in scientific
notation, a wrong plural or a misspelt label.

Each demo login opens the pages without parameters, then follows the links it finds to the pages
with them (a case, a customer, a meeting ...), two of each; every HTML page of the site must be
opened by some role, so a new page cannot be forgotten: add it to PAGES (or, if it is not a page a
person reads, to NOT_PAGES with the reason).
"""

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import NoReverseMatch, Resolver404

from cxloop.core.demo import DEMO_PASSWORD, DEMO_USERNAMES
from cxloop.org.demo import DEMO_TEAM
from feedback.services.processing import feedback_sweep
from innerloop.models.cases import Case, CaseStatus
from innerloop.services.cases import case_add_note, case_assign, case_log_contact, case_transition
from innerloop.services.triage import triage_pending
from outerloop.models import Initiative, Stage
from tests.factories import outbound_endpoint_with_deliveries
from tests.visible_words import offences, visible_text, vocabulary

END = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
SIZE = {"customers": 200, "feedback": 1500, "end": END, "verbosity": 0}

# Pages a person reads (GET, HTML). Those with parameters are reached by following links.
PAGES = {
    "home", "login",
    "org:people", "org:person", "org:api-tokens",
    "notifications:inbox", "notifications:bell", "audit:log",
    "feedback:my-team", "feedback:team", "feedback:my-department", "feedback:department",
    "feedback:organisation", "feedback:list", "feedback:detail", "feedback:customer",
    "feedback:quick", "feedback:employee",
    "innerloop:queue", "innerloop:queue-counts", "innerloop:case",
    "dashboards:overview", "dashboards:team", "dashboards:department",
    "outerloop:signals", "outerloop:signal", "outerloop:initiatives", "outerloop:initiative",
    "outerloop:tell-customers", "outerloop:you-said-we-did", "outerloop:raised",
    "governance:committee", "governance:accountability", "governance:meeting",
    "governance:review-pack",
    "huddles:list", "huddles:review", "huddles:detail",
    "imports:upload", "imports:detail", "imports:map",
    "privacy:erase", "privacy:retention",
    "innerloop:saved-views", "org:invite", "org:language",
    "rules_admin:list", "rules_admin:create", "rules_admin:edit", "sources:list", "sources:detail",
    "outbound:list", "outbound:create", "outbound:detail", "outbound:edit",
    "surveys:list", "surveys:detail", "surveys:send-to-staff", "surveys:results",
    "survey_contacts:upload",
    "transactions:import", "recovery_value:page",
    "themes:list",
}  # fmt: skip

# Addresses that are not a page: actions (POST only), files, machine endpoints.
NOT_PAGES = {
    "healthz": "health check for the load balancer (JSON)",
    "logout": "POST: signs out",
    "mfa_remove_webauthn": "POST: removes a security key",
    "org:person-sessions-end": "POST action",
    "org:person-deactivate": "POST action",
    "org:person-reactivate": "POST action",
    "org:api-token-revoke": "POST action",
    "org:api-token-rotate": "POST action",
    "notifications:mark-read": "POST action",
    "audit:csv": "a CSV file",
    "governance:review-pack-pdf": "a PDF file (the system-review pack; its page is governance:review-pack)",
    "feedback:categorize": "POST action",
    "themes:decide": "POST action (accept, merge or reject a theme; its confirmation page)",
    "innerloop:claim-next": "POST action",
    "innerloop:bulk-assign": "POST action",
    "innerloop:claim": "POST action",
    "innerloop:saved-view-create": "POST action",
    "innerloop:saved-view-rename": "POST action",
    "innerloop:saved-view-delete": "POST action",
    "org:invitation-resend": "POST action",
    "org:invitation-withdraw": "POST action",
    "org:invitation-accept": "opened only from the one-time link of an invitation email (tests/org)",
    "org:person-role-add": "POST action",
    "org:person-role-change": "POST action",
    "org:person-role-remove": "POST action",
    "rules_admin:toggle": "POST action",
    "innerloop:case-action": "POST action",
    "dashboards:export": "a CSV file",
    "outerloop:signals-run": "POST action",
    "outerloop:signal-action": "POST action",
    "outerloop:milestone-done": "POST action",
    "outerloop:initiative-action": "POST action",
    "outerloop:pilot-create": "POST action",
    "outerloop:pilot-action": "POST action",
    "governance:meeting-action": "POST action",
    "governance:committee-action": "POST action",
    "huddles:cadence": "POST action",
    "huddles:prepare": "POST action",
    "huddles:record": "POST action",
    "huddles:commitment-add": "POST action",
    "huddles:commitment-state": "POST action",
    "huddles:obstacle-add": "POST action",
    "huddles:obstacle-escalate": "POST action",
    "huddles:huddle-review": "POST action",
    "imports:start": "POST action",
    "imports:resume": "POST action",
    "imports:errors-csv": "a CSV file",
    "webhooks:receive": "POST: inbound webhook (JSON)",
    "outbound:action": "POST action",
    "outbound:retry": "POST action",
    "replies:attachment": "a file a customer attached (tests/innerloop/test_reply_attachments.py)",
    "survey_response:respond": "a customer's page from a signed link (tests/e2e/test_survey_response.py)",
    "survey_response:thanks": "a customer's page from a signed link (tests/e2e/test_survey_response.py)",
    "survey_unsubscribe:unsubscribe": "a customer's page from a signed link (tests/surveys)",
}
# Providers' webhooks: POSTs from email services, never pages.
NOT_PAGES_PREFIXES = ("email_tracking:", "replies:inbound-")
THIRD_PARTY = ("allauth.", "django.contrib.admin", "rest_framework", "drf_spectacular")
NOT_OURS = ("admin/", "api/")
LINKS_PER_PAGE_TYPE = 2
DEMO_DEPARTMENT = "customer-care"
HREF = re.compile(r'href="(/[^"#?]*)')


def _url_names(patterns=None, namespace: str | None = None, prefix: str = ""):
    """(name, view module) of every named address of the site outside the API and Django's admin."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        path = prefix + str(pattern.pattern)
        if path.startswith(NOT_OURS):
            continue
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            joined = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from _url_names(pattern.url_patterns, joined, path)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, getattr(pattern.callback, "__module__", "")


def test_every_address_of_the_site_is_a_page_here_or_named_as_not_a_page():
    # given
    ours = {
        name
        for name, module in _url_names()
        if not module.startswith(THIRD_PARTY) and not name.startswith(NOT_PAGES_PREFIXES)
    }
    # then
    unclassified = sorted(ours - PAGES - set(NOT_PAGES))
    gone = sorted((PAGES | set(NOT_PAGES)) - ours)
    assert not unclassified, f"classify these in PAGES or NOT_PAGES: {unclassified}"
    assert not gone, f"these addresses no longer exist: {gone}"


@pytest.fixture
def demo(db):
    call_command("seed_demo", **SIZE)
    feedback_sweep()
    while triage_pending().triaged:
        pass


def _signed_in(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"login": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"{username} could not sign in"
    return client


def _an_import(client: Client) -> str:
    """A small file uploaded by the lead, so the import's pages have something to show."""
    page = client.get(reverse("imports:upload")).content.decode()
    source = re.search(r'<option value="(\d+)"', page)
    assert source, "the lead may import into no source"
    upload = SimpleUploadedFile("calls.csv", b"id,score,comment\nA1,3,Late again\nA2,9,Great\n", "text/csv")
    response = client.post(reverse("imports:upload"), {"file": upload, "source": source.group(1)})
    assert response.status_code == 302, response.content.decode()[:500]
    return reverse("imports:detail", args=[resolve(response["Location"]).kwargs["pk"]])


def _a_worked_case() -> list[str]:
    """A case of the demo team worked the way an agent works it (claimed, a voicemail, waiting on the
    customer, a note), so its timeline shows each kind of entry; and a closed case."""
    agent = get_user_model().objects.get(username="agent")
    case = Case.objects.filter(team__slug=DEMO_TEAM, status=CaseStatus.NEW).order_by("pk").first()
    closed = Case.objects.filter(team__slug=DEMO_TEAM, status=CaseStatus.CLOSED).order_by("pk").first()
    assert case is not None, "the demo has no new case for the agent"
    assert closed is not None, "the demo has no closed case for the agent"
    case = case_assign(case=case, assignee=agent, actor=agent)
    case = case_transition(case=case, to_status=CaseStatus.IN_PROGRESS, actor=agent)
    case_log_contact(case=case, actor=agent, channel="phone", outcome="voicemail", next_step="Call again")
    case = case_transition(
        case=Case.objects.get(pk=case.pk), to_status=CaseStatus.WAITING_ON_CUSTOMER, actor=agent
    )
    case_add_note(case=case, actor=agent, text="Left a second message.")
    return [reverse("innerloop:case", args=[case.pk]), reverse("innerloop:case", args=[closed.pk])]


def _a_rolled_out_initiative() -> int:
    initiative = Initiative.objects.filter(stage=Stage.ROLLED_OUT).order_by("pk").first()
    assert initiative is not None, "the demo has no rolled-out initiative"
    return initiative.pk


def _page_name(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def _crawl(client: Client, username: str, words, problems: list[str], opened: set[str], *extra: str) -> None:
    """Opens each parameterless page, then up to two of each page type its links lead to."""
    queue = [reverse(name) for name in sorted(PAGES) if name != "login" and _takes_no_arguments(name)]
    queue += extra
    per_type: dict[str, int] = {}
    seen: set[str] = set()
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path, follow=True)
        if response.status_code in (403, 404) or "text/html" not in response.get("Content-Type", ""):
            continue
        assert response.status_code == 200, f"{username} {path}: {response.status_code}"
        name = _page_name(urlsplit(response.redirect_chain[-1][0]).path if response.redirect_chain else path)
        opened.add(_page_name(path) or "")
        opened.add(name or "")
        html = response.content.decode()
        problems += [
            f"{username} {path} ({name}): {offence}" for offence in offences(visible_text(html), words)
        ]
        for href in HREF.findall(html):
            target = _page_name(href)
            if target in PAGES and href not in seen and per_type.get(target, 0) < LINKS_PER_PAGE_TYPE:
                per_type[target] = per_type.get(target, 0) + 1
                queue.append(href)


def _takes_no_arguments(name: str) -> bool:
    try:
        reverse(name)
    except NoReverseMatch:  # the page needs an id or a slug
        return False
    return True


@pytest.mark.django_db
def test_every_page_type_shows_words_not_codes_to_every_role(demo):
    # given
    extra = (
        *_a_worked_case(),
        _an_import(_signed_in("lead")),
        reverse("feedback:team", args=[DEMO_TEAM]),  # old addresses, linked from nowhere any more
        reverse("feedback:department", args=[DEMO_DEPARTMENT]),
        # reached from a rolled-out initiative, which need not be among the two initiatives followed
        reverse("outerloop:tell-customers", args=[_a_rolled_out_initiative()]),
        *outbound_endpoint_with_deliveries(),  # the demo has no webhooks
    )
    words = vocabulary()
    problems: list[str] = []
    opened: set[str] = set()
    # the sign-in page, before anyone signs in
    login = Client().get(reverse("login")).content.decode()
    problems += [f"anonymous /login/: {offence}" for offence in offences(visible_text(login), words)]
    opened.add("login")
    # when
    for username in DEMO_USERNAMES:
        _crawl(_signed_in(username), username, words, problems, opened, *extra)
    # then
    assert not problems, "\n".join([f"{len(problems)} codes shown to people:", *problems])
    unopened = sorted(PAGES - opened)
    assert not unopened, f"no role could open these pages: {unopened}"
