"""The "Proposed themes" page and its decisions through the Django client, and the category chart of
the dashboard the day after a theme was accepted."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.urls import reverse
from freezegun import freeze_time

from cxloop.org.models import Role
from feedback.models import Category, Feedback, Source, ThemeProposal, ThemeStatus
from feedback.themes.growth import DEFAULT_PARAMS, FoundTheme
from feedback.themes.services import theme_version
from feedback.themes.tracking import proposals_track
from tests.factories import CategoryFactory, FeedbackFactory, MembershipFactory, SourceFactory, UserFactory
from tests.feedback.theme_factories import ThemeProposalFactory, ThemeRunFactory

pytestmark = pytest.mark.django_db

LIST = reverse("themes:list")
DAY = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_retraining():
    with mock.patch("feedback.tasks.category_model_train.delay"):
        yield


@pytest.fixture
def site_admin(org):
    """An administrator who is not a superuser and may not see personal data: comments come masked."""
    user = UserFactory(username="theme-admin", first_name="Tess", last_name="Admin")
    MembershipFactory(user=user, role=Role.ADMIN, team=None)
    return user


@pytest.fixture
def themed(org):
    """A proposed theme with two members (one quoting an email address) and an anonymous employee
    answer among its examples; a parent category for the new one."""
    staff = SourceFactory(slug="staff-survey", kind=Source.Kind.EMPLOYEE)
    members = [
        FeedbackFactory(
            team=org["team_a1"], score=2, occurred_at=DAY,
            comment="Waited an hour at the baggage carousel, write to ann@example.test",
        ),
        FeedbackFactory(team=org["team_b1"], score=3, occurred_at=DAY, comment="Lost baggage, a long wait"),
    ]  # fmt: skip
    secret = FeedbackFactory(
        team=org["team_a1"], source=staff, metadata={"survey": 1}, scale=None, score=None, occurred_at=DAY,
        comment="Passengers wait an hour for baggage, says a colleague",
    )  # fmt: skip
    proposal = ThemeProposalFactory(
        example_ids=[secret.pk, members[0].pk, members[1].pk],
        first_seen_at=DAY - timedelta(days=1),
        last_seen_at=DAY,
    )
    return {
        "proposal": proposal,
        "members": members,
        "secret": secret,
        "parent": CategoryFactory(name="Airport", slug="airport"),
    }


def _accept(client, proposal, parent, *, confirmed: bool, name: str = "Baggage wait", seen=None):
    """Accept `proposal` as the page would; `seen`: the version the person looked at (by default, now)."""
    data = {
        f"accept-{proposal.pk}-name": name,
        f"accept-{proposal.pk}-parent": parent.pk,
        f"accept-{proposal.pk}-seen": theme_version(proposal) if seen is None else seen,
    }
    if confirmed:
        data["confirmed"] = "yes"
    return client.post(reverse("themes:decide", args=[proposal.pk, "accept"]), data)


def test_the_page_shows_terms_growth_and_masked_examples_but_no_anonymous_answer(client, site_admin, themed):
    # given
    client.force_login(site_admin)
    # when
    page = client.get(LIST).content.decode()
    # then
    assert "baggage carousel wait" in page
    assert "carousel" in page
    assert "up 8 from 4 (+200 %)" in page
    assert "3 uncoded comments match it now." in page
    assert "Lost baggage, a long wait" in page
    assert "ann@example.test" not in page
    assert "says a colleague" not in page


@pytest.mark.parametrize("role", ["agent", "lead", "manager", "committee"])
def test_other_roles_may_neither_see_nor_decide(client, people, themed, role):
    client.force_login(people[role])
    assert client.get(LIST).status_code == 403
    assert _accept(client, themed["proposal"], themed["parent"], confirmed=True).status_code == 403
    themed["proposal"].refresh_from_db()
    assert themed["proposal"].status == ThemeStatus.PROPOSED


def test_accepting_asks_for_confirmation_first_and_changes_nothing(client, site_admin, themed):
    client.force_login(site_admin)
    answer = _accept(client, themed["proposal"], themed["parent"], confirmed=False)
    assert answer.status_code == 200
    text = answer.content.decode()
    assert "A new category “Baggage wait” will be added to the taxonomy under “Airport”" in text
    assert "the 3 uncoded comments that match the theme will be coded with it" in text
    assert not Category.objects.filter(name="Baggage wait").exists()


def test_accepting_confirmed_codes_the_members_and_says_so(client, site_admin, themed):
    client.force_login(site_admin)
    answer = _accept(client, themed["proposal"], themed["parent"], confirmed=True)
    assert answer.status_code == 302
    page = client.get(LIST).content.decode()
    assert "“Airport / Baggage wait” joined the taxonomy and 3 comments were coded with it" in page
    category = Category.objects.get(name="Baggage wait")
    assert Feedback.objects.filter(confirmed_category=category).count() == 3
    assert "Accepted" in page


def test_a_form_error_names_the_field(client, site_admin, themed):
    client.force_login(site_admin)
    answer = _accept(client, themed["proposal"], themed["parent"], confirmed=True, name="")
    assert answer.status_code == 400
    assert "This field is required." in answer.content.decode()


def test_a_decided_theme_is_refused_with_the_reason(client, site_admin, themed):
    client.force_login(site_admin)
    _accept(client, themed["proposal"], themed["parent"], confirmed=True)
    ThemeProposalFactory(label="other theme")
    proposal = themed["proposal"]
    answer = client.post(
        reverse("themes:decide", args=[proposal.pk, "reject"]),
        {f"reject-{proposal.pk}-reason": "Too late", "confirmed": "yes"},
    )
    assert answer.status_code == 409
    assert "This theme has already been decided (accepted); nothing was changed." in answer.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ThemeStatus.ACCEPTED


def test_merge_and_reject_through_the_page(client, site_admin, themed):
    client.force_login(site_admin)
    existing = CategoryFactory(name="Baggage delays", slug="baggage-delays", parent=themed["parent"])
    other = ThemeProposalFactory(label="refunds")
    merged = client.post(
        reverse("themes:decide", args=[themed["proposal"].pk, "merge"]),
        {
            f"merge-{themed['proposal'].pk}-category": existing.pk,
            f"merge-{themed['proposal'].pk}-seen": theme_version(themed["proposal"]),
            "confirmed": "yes",
        },
    )
    rejected = client.post(
        reverse("themes:decide", args=[other.pk, "reject"]),
        {
            f"reject-{other.pk}-reason": "Already a signal",
            f"reject-{other.pk}-seen": theme_version(other),
            "confirmed": "yes",
        },
    )
    assert (merged.status_code, rejected.status_code) == (302, 302)
    assert Feedback.objects.filter(confirmed_category=existing).count() == 3
    assert "Already a signal" in client.get(LIST).content.decode()


@pytest.mark.parametrize(("pk_offset", "action"), [(0, "delete"), (999, "accept")])
def test_an_unknown_theme_or_decision_is_not_found(client, site_admin, themed, pk_offset, action):
    client.force_login(site_admin)
    answer = client.post(reverse("themes:decide", args=[themed["proposal"].pk + pk_offset, action]), {})
    assert answer.status_code == 404


def test_the_page_costs_the_same_queries_for_three_or_twelve_themes(
    client, site_admin, themed, django_assert_max_num_queries
):
    # given
    client.force_login(site_admin)
    run = ThemeRunFactory()
    ThemeProposalFactory.create_batch(2, last_run=run, example_ids=[m.pk for m in themed["members"]])
    client.get(LIST)
    with django_assert_max_num_queries(18) as few:
        client.get(LIST)
    ThemeProposalFactory.create_batch(9, last_run=run, example_ids=[m.pk for m in themed["members"]])
    # when / then
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(LIST).status_code == 200


def test_the_accepted_theme_is_on_the_next_days_category_chart(client, site_admin, themed):
    # given: the theme's comments came in on DAY; it is accepted that evening
    client.force_login(site_admin)
    with freeze_time(DAY + timedelta(hours=8)):
        _accept(client, themed["proposal"], themed["parent"], confirmed=True)
    # when: the next day, the administrator opens the dashboard
    with freeze_time(DAY + timedelta(days=1)):
        page = client.get(reverse("dashboards:overview")).content.decode()
    # then: "Top categories" has the new category with its two scored comments
    assert "Airport / Baggage wait" in page
    chart = page[page.index("Top categories") :]
    row = chart[chart.index("Airport / Baggage wait") :][:400]
    assert ">2</a>" in row


def test_a_taxonomy_editor_sees_only_the_examples_of_their_own_scope(client, people, themed):
    # given: a department A manager whom the admin lets add categories
    from django.contrib.auth.models import Permission

    people["manager"].user_permissions.add(Permission.objects.get(codename="add_category"))
    client.force_login(people["manager"])
    # when
    page = client.get(LIST).content.decode()
    # then: team A1's example is there, team B1's (another department) is not; the count is the theme's
    assert "Waited an hour at the baggage carousel" in page
    assert "Lost baggage, a long wait" not in page
    assert "3 uncoded comments match it now." in page


# --- a theme the nightly job changes while a person looks at it ------------------------------------

CHANGED = "This theme changed since you looked at it: review it again; nothing was changed."


def _nightly_job_rewrites(proposal: ThemeProposal) -> ThemeProposal:
    """The nightly job sees the theme again with other words: its terms, label and examples change."""
    terms = [["baggage", 0.9], ["carousel", 0.7], ["wait", 0.5], ["lost", 0.9], ["desk", 0.8]]
    found = FoundTheme(
        terms=terms, size=14, example_ids=[], recent=10, earlier=4, rate_ratio=3.0, p_value=0.001,
        coded_share=0.0, min_size=15,
    )  # fmt: skip
    proposals_track(themes=[found], run=ThemeRunFactory(), now=DAY + timedelta(days=1), params=DEFAULT_PARAMS)
    proposal.refresh_from_db()
    assert (proposal.terms, proposal.status) == (terms, ThemeStatus.PROPOSED)
    return proposal


def test_the_forms_carry_the_version_of_the_theme_as_shown(client, site_admin, themed):
    client.force_login(site_admin)
    page = client.get(LIST).content.decode()
    seen = theme_version(themed["proposal"])
    assert f'name="accept-{themed["proposal"].pk}-seen" value="{seen}"' in page
    confirm = _accept(client, themed["proposal"], themed["parent"], confirmed=False).content.decode()
    assert f'name="accept-{themed["proposal"].pk}-seen" value="{seen}"' in confirm


def test_a_confirmation_of_a_theme_changed_since_is_refused_and_codes_nothing(client, site_admin, themed):
    # given: the confirmation page was shown for the theme as it was
    client.force_login(site_admin)
    seen = theme_version(themed["proposal"])
    assert _accept(client, themed["proposal"], themed["parent"], confirmed=False).status_code == 200
    # when: the nightly job rewrites its terms before the person confirms
    changed = _nightly_job_rewrites(themed["proposal"])
    answer = _accept(client, changed, themed["parent"], confirmed=True, seen=seen)
    # then
    assert answer.status_code == 409
    assert CHANGED in answer.content.decode()
    assert not Category.objects.filter(name="Baggage wait").exists()
    assert not Feedback.objects.filter(confirmed_category__isnull=False).exists()
    changed.refresh_from_db()
    assert changed.status == ThemeStatus.PROPOSED
    # and the page now shows the theme as it is, its form carrying that version and the name typed
    text = answer.content.decode()
    assert "“desk”" in text
    assert f'name="accept-{changed.pk}-seen" value="{theme_version(changed)}"' in text
    assert 'value="Baggage wait"' in text


def test_asking_to_confirm_a_theme_changed_since_is_refused(client, site_admin, themed):
    client.force_login(site_admin)
    seen = theme_version(themed["proposal"])
    changed = _nightly_job_rewrites(themed["proposal"])
    answer = _accept(client, changed, themed["parent"], confirmed=False, seen=seen)
    assert answer.status_code == 409
    assert CHANGED in answer.content.decode()
    assert "will be added to the taxonomy" not in answer.content.decode()


def test_a_decision_without_the_version_seen_is_refused(client, site_admin, themed):
    client.force_login(site_admin)
    answer = _accept(client, themed["proposal"], themed["parent"], confirmed=True, seen="")
    assert answer.status_code == 409
    assert not Category.objects.filter(name="Baggage wait").exists()
