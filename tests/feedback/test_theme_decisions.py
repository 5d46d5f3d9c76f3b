"""Deciding a proposed theme (feedback.themes): which comments belong to it, and accepting, merging and
rejecting it, on hand-made data where every member is known."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from cxloop.core.exceptions import ApplicationError, NotPermitted, StateConflict
from cxloop.core.models import AuditEvent
from feedback.models import Category, Feedback, Source, ThemeStatus
from feedback.themes import services
from feedback.themes.members import member_base_q, terms_query, theme_member_counts, theme_members
from feedback.themes.services import theme_accept, theme_merge, theme_reject, theme_version
from tests.factories import CategoryFactory, FeedbackFactory, SourceFactory
from tests.feedback.theme_factories import ThemeProposalFactory, ThemeRunFactory
from tests.innerloop.factories import CaseFactory

pytestmark = pytest.mark.django_db

MATCHING = "Waited an hour at the baggage carousel"


@pytest.fixture
def world(org):
    """A theme about waiting for baggage and comments in and out of it, each for one reason."""
    now = timezone.now()
    team = org["team_a1"]
    coded_as = CategoryFactory(
        name="Check-in", slug="check-in", parent=CategoryFactory(name="Airport", slug="airport")
    )
    employee = SourceFactory(slug="staff-voice", kind=Source.Kind.EMPLOYEE)
    members = [
        FeedbackFactory(team=team, comment=MATCHING, occurred_at=now - timedelta(hours=5)),
        FeedbackFactory(team=org["team_b1"], comment="Lost baggage, no one at the desk", occurred_at=now),
        # A suggestion the classifier is unsure of leaves it uncoded.
        FeedbackFactory(
            team=team, comment="The carousel stopped and we kept waiting", occurred_at=now,
            suggested_category=coded_as, suggested_confidence=0.4,
        ),
        # An anonymous employee answer belongs too (it is never shown on its own).
        FeedbackFactory(
            team=team, source=employee, metadata={"survey": 1}, scale=None, score=None,
            comment="Passengers wait an hour for baggage every night", occurred_at=now,
        ),
    ]  # fmt: skip
    outsiders = {
        "one term only": FeedbackFactory(team=team, comment="My baggage was fine", occurred_at=now),
        "coded": FeedbackFactory(team=team, comment=MATCHING, confirmed_category=coded_as, occurred_at=now),
        "confident suggestion": FeedbackFactory(
            team=team,
            comment=MATCHING,
            suggested_category=coded_as,
            suggested_confidence=0.95,
            occurred_at=now,
        ),
        "before the window": FeedbackFactory(
            team=team, comment=MATCHING, occurred_at=now - timedelta(days=20)
        ),
        "no comment": FeedbackFactory(team=team, comment="", occurred_at=now),
    }
    case = CaseFactory(team=team, feedback=FeedbackFactory(team=team, comment=MATCHING, occurred_at=now))
    case.root_cause = coded_as
    case.save(update_fields=["root_cause"])
    outsiders["root cause on its case"] = case.feedback
    return {
        "proposal": ThemeProposalFactory(),
        "members": members,
        "outsiders": outsiders,
        "parent": coded_as.parent,
        "existing": coded_as,
    }


# --- membership ------------------------------------------------------------------------------------


def test_members_are_uncoded_comments_of_the_window_matching_two_top_terms(world):
    # when
    members = set(theme_members(proposal=world["proposal"]).values_list("pk", flat=True))
    # then
    assert members == {item.pk for item in world["members"]}


@pytest.mark.parametrize(
    "reason", ["one term only", "coded", "confident suggestion", "before the window", "no comment",
               "root cause on its case"],
)  # fmt: skip
def test_an_item_is_not_a_member_when(world, reason):
    members = theme_members(proposal=world["proposal"])
    assert not members.filter(pk=world["outsiders"][reason].pk).exists()


def test_the_window_reaches_back_to_the_start_of_what_the_last_run_read(world):
    # given: the last run read 30 days; the theme was first seen 3 days ago
    proposal = ThemeProposalFactory(last_run=ThemeRunFactory())
    # when
    members = theme_members(proposal=proposal)
    # then: the 20-day-old comment is in the window now
    assert members.filter(pk=world["outsiders"]["before the window"].pk).exists()
    assert members.count() == 5


def test_uncoded_is_no_confident_category_of_any_kind(world):
    uncoded = set(Feedback.objects.filter(member_base_q()).values_list("pk", flat=True))
    assert {item.pk for item in world["members"]} <= uncoded
    assert uncoded.isdisjoint(
        world["outsiders"][reason].pk
        for reason in ("coded", "confident suggestion", "root cause on its case")
    )


def test_member_counts_of_several_proposals_take_one_query(world, django_assert_num_queries):
    # given
    other = ThemeProposalFactory(label="refund", terms=[["refund", 1.0], ["slow", 0.5]])
    FeedbackFactory(comment="The refund was slow to arrive", occurred_at=timezone.now())
    # when
    with django_assert_num_queries(1):
        counts = theme_member_counts(proposals=[world["proposal"], other])
    # then
    assert counts == {world["proposal"].pk: 4, other.pk: 1}


def test_a_theme_of_one_term_needs_that_term_and_none_has_no_members(world):
    single = ThemeProposalFactory(terms=[["carousel", 1.0]])
    empty = ThemeProposalFactory(terms=[])
    assert theme_members(proposal=single).count() == 2
    assert terms_query([]) is None
    assert theme_member_counts(proposals=[empty]) == {empty.pk: 0}


# --- accepting -------------------------------------------------------------------------------------


def test_accept_creates_the_category_and_codes_exactly_the_members(
    world, people, django_capture_on_commit_callbacks
):
    # given
    proposal = world["proposal"]
    # when
    with (
        mock.patch("feedback.tasks.category_model_train.delay") as retrain,
        django_capture_on_commit_callbacks(execute=True),
    ):
        decision = theme_accept(
            proposal=proposal, name="  Baggage  wait ", parent=world["parent"], actor=people["admin"]
        )
    # then
    category = Category.objects.get(name="Baggage wait")
    assert (category.parent, category.slug) == (world["parent"], "baggage-wait")
    coded = set(Feedback.objects.filter(confirmed_category=category).values_list("pk", flat=True))
    assert coded == {item.pk for item in world["members"]}
    assert decision.coded == 4
    proposal.refresh_from_db()
    assert (proposal.status, proposal.category, proposal.decided_by) == (
        ThemeStatus.ACCEPTED,
        category,
        people["admin"],
    )
    assert proposal.decided_at is not None
    event = AuditEvent.objects.get(verb="theme.accepted")
    assert event.data == {"category": "baggage-wait", "coded": 4}
    retrain.assert_called_once_with()


def test_retraining_is_asked_for_only_after_commit(world, people, django_capture_on_commit_callbacks):
    with (
        mock.patch("feedback.tasks.category_model_train.delay") as retrain,
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        theme_accept(
            proposal=world["proposal"], name="Baggage wait", parent=world["parent"], actor=people["admin"]
        )
        assert not retrain.called
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    ("name", "field"),
    [("   ", "name"), ("Check-in", "name"), ("x" * 121, "name")],
)
def test_accept_refuses_a_bad_name_and_changes_nothing(world, people, name, field):
    with pytest.raises(ApplicationError) as refusal:
        theme_accept(proposal=world["proposal"], name=name, parent=world["parent"], actor=people["admin"])
    assert field in refusal.value.extra
    world["proposal"].refresh_from_db()
    assert world["proposal"].status == ThemeStatus.PROPOSED
    assert not Feedback.objects.filter(pk=world["members"][0].pk, confirmed_category__isnull=False).exists()


def test_accept_refuses_a_child_as_parent(world, people):
    with pytest.raises(ApplicationError) as refusal:
        theme_accept(
            proposal=world["proposal"], name="Baggage wait", parent=world["existing"], actor=people["admin"]
        )
    assert "parent" in refusal.value.extra


def test_accept_gives_a_fresh_slug_when_the_name_is_taken_elsewhere(world, people):
    CategoryFactory(name="Baggage wait", slug="baggage-wait")
    theme_accept(
        proposal=world["proposal"], name="Baggage wait", parent=world["parent"], actor=people["admin"]
    )
    assert Category.objects.filter(parent=world["parent"], slug="baggage-wait-2").exists()


# --- merging and rejecting -------------------------------------------------------------------------


def test_merge_codes_the_members_with_the_existing_category(world, people):
    with mock.patch("feedback.tasks.category_model_train.delay"):
        decision = theme_merge(proposal=world["proposal"], category=world["existing"], actor=people["admin"])
    members = Feedback.objects.filter(pk__in=[item.pk for item in world["members"]])
    assert set(members.values_list("confirmed_category", flat=True)) == {world["existing"].pk}
    assert decision.coded == 4
    assert decision.proposal.status == ThemeStatus.MERGED
    assert decision.proposal.category == world["existing"]


def test_merge_into_a_retired_category_is_refused(world, people):
    retired = CategoryFactory(name="Old", slug="old", retired_at=timezone.now())
    with pytest.raises(ApplicationError) as refusal:
        theme_merge(proposal=world["proposal"], category=retired, actor=people["admin"])
    assert "category" in refusal.value.extra


def test_reject_records_the_reason_and_codes_nothing(world, people):
    decision = theme_reject(
        proposal=world["proposal"], reason="Seasonal, already a signal", actor=people["admin"]
    )
    assert (decision.proposal.status, decision.proposal.decision_note) == (
        ThemeStatus.REJECTED,
        "Seasonal, already a signal",
    )
    assert not Feedback.objects.filter(
        pk__in=[m.pk for m in world["members"]], confirmed_category__isnull=False
    )
    # The reason may quote a customer: the audit row does not carry it.
    assert AuditEvent.objects.get(verb="theme.rejected").data == {}


def test_reject_without_a_reason_is_refused(world, people):
    with pytest.raises(ApplicationError) as refusal:
        theme_reject(proposal=world["proposal"], reason="  ", actor=people["admin"])
    assert "reason" in refusal.value.extra


def test_a_watching_theme_may_be_decided_too(world, people):
    watching = ThemeProposalFactory(status=ThemeStatus.WATCHING)
    assert (
        theme_reject(proposal=watching, reason="Noise", actor=people["admin"]).proposal.status == "rejected"
    )


@pytest.mark.parametrize(("first", "new_categories"), [("accept", 1), ("merge", 0), ("reject", 0)])
def test_a_decided_theme_cannot_be_decided_again(world, people, first, new_categories):
    # given
    decide = {
        "accept": lambda: theme_accept(
            proposal=world["proposal"], name="Baggage wait", parent=world["parent"], actor=people["admin"]
        ),
        "merge": lambda: theme_merge(
            proposal=world["proposal"], category=world["existing"], actor=people["admin"]
        ),
        "reject": lambda: theme_reject(proposal=world["proposal"], reason="No", actor=people["admin"]),
    }
    with mock.patch("feedback.tasks.category_model_train.delay"):
        decide[first]()
        # when / then
        with pytest.raises(StateConflict):
            theme_merge(proposal=world["proposal"], category=world["existing"], actor=people["admin"])
    assert Category.objects.filter(name="Baggage wait").count() == new_categories


@pytest.mark.parametrize("role", ["agent", "lead", "manager", "committee"])
def test_only_an_administrator_may_decide(world, people, role):
    with pytest.raises(NotPermitted):
        theme_reject(proposal=world["proposal"], reason="No", actor=people[role])
    world["proposal"].refresh_from_db()
    assert world["proposal"].status == ThemeStatus.PROPOSED


def test_a_person_who_may_add_categories_may_decide(world, people):
    from django.contrib.auth.models import Permission

    people["manager"].user_permissions.add(Permission.objects.get(codename="add_category"))
    manager = type(people["manager"]).objects.get(pk=people["manager"].pk)
    assert theme_reject(proposal=world["proposal"], reason="No", actor=manager).proposal.status == "rejected"


# --- what the person saw, and others deciding at the same moment ------------------------------------


@pytest.mark.parametrize("action", ["accept", "merge", "reject"])
def test_a_theme_changed_since_it_was_seen_is_refused_and_nothing_coded(world, people, action):
    # given: the person saw the theme; then the nightly job rewrote its terms
    proposal = world["proposal"]
    seen = theme_version(proposal)
    proposal.terms, proposal.last_seen_at = [["lost", 1.0], ["desk", 0.8]], timezone.now()
    proposal.save(update_fields=["terms", "last_seen_at"])
    decide = {
        "accept": lambda: theme_accept(
            proposal=proposal, name="Baggage wait", parent=world["parent"], actor=people["admin"], seen=seen
        ),
        "merge": lambda: theme_merge(
            proposal=proposal, category=world["existing"], actor=people["admin"], seen=seen
        ),
        "reject": lambda: theme_reject(proposal=proposal, reason="No", actor=people["admin"], seen=seen),
    }
    # when / then
    with mock.patch("feedback.tasks.category_model_train.delay"), pytest.raises(StateConflict) as refusal:
        decide[action]()
    assert "seen" in refusal.value.extra
    proposal.refresh_from_db()
    assert proposal.status == ThemeStatus.PROPOSED
    assert not Category.objects.filter(name="Baggage wait").exists()
    assert not Feedback.objects.filter(confirmed_category=world["existing"]).exclude(
        pk=world["outsiders"]["coded"].pk
    )


def test_the_version_seen_and_unchanged_is_accepted(world, people):
    seen = theme_version(world["proposal"])
    with mock.patch("feedback.tasks.category_model_train.delay"):
        decision = theme_merge(
            proposal=world["proposal"], category=world["existing"], actor=people["admin"], seen=seen
        )
    assert decision.coded == 4


def _slug_taken_meanwhile(*, name: str, parent):
    """`_unique_slug`, but another decision inserts a category with the slug it returned, right after
    the look-up (as when two administrators accept at the same moment)."""
    real = services._unique_slug
    calls = []

    def racing(text: str) -> str:
        slug = real(text)
        if not calls:
            CategoryFactory(name=name, slug=slug, parent=parent)
        calls.append(slug)
        return slug

    return mock.patch.object(services, "_unique_slug", side_effect=racing), calls


def test_a_slug_taken_at_the_same_moment_elsewhere_gets_the_next_one(world, people):
    # given: another administrator adds "Baggage wait" at the top level while this one accepts
    race, calls = _slug_taken_meanwhile(name="Baggage wait", parent=None)
    # when
    with race, mock.patch("feedback.tasks.category_model_train.delay"):
        decision = theme_accept(
            proposal=world["proposal"], name="Baggage wait", parent=world["parent"], actor=people["admin"]
        )
    # then
    assert calls == ["baggage-wait", "baggage-wait-2"]
    assert decision.proposal.category.slug == "baggage-wait-2"
    assert decision.coded == 4


def test_the_same_name_added_at_the_same_moment_in_the_same_place_is_a_form_error(world, people):
    # given: another administrator adds "Baggage wait" under the same parent while this one accepts
    race, _calls = _slug_taken_meanwhile(name="Baggage wait", parent=world["parent"])
    # when
    with race, pytest.raises(ApplicationError) as refusal:
        theme_accept(
            proposal=world["proposal"], name="Baggage wait", parent=world["parent"], actor=people["admin"]
        )
    # then: the name is refused (merge into it instead), not a server error
    assert refusal.value.extra == {"name": ["exists"]}
    world["proposal"].refresh_from_db()
    assert world["proposal"].status == ThemeStatus.PROPOSED
