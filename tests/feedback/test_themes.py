"""The theme engine on hand-made comments: clustering, growth, night-to-night tracking (feedback.themes)."""

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from feedback.models import ThemeProposal, ThemeRun, ThemeStatus
from feedback.models.record import SURVEY_KEY, SourceKind
from feedback.themes.clustering import cluster_comments, k_for, term_similarity
from feedback.themes.growth import ThemeParams
from feedback.themes.job import themes_run
from tests.factories import CategoryFactory, CustomerFactory, FeedbackFactory, SourceFactory, TeamFactory

END = datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
# Small hand-made data: a theme counts from 8 comments (the nightly default is 15).
PARAMS = ThemeParams(min_size=8, k=3)

THEMES = {
    "parking": (
        ["The parking", "Parking at the retail park", "The parking area", "Parking near the entrance"],
        ["was full again", "had no free spaces", "barrier was broken", "costs too much now"],
    ),
    "wifi": (
        ["The wifi in store", "Guest wifi", "The store wifi network", "Wifi on the shop floor"],
        ["keeps dropping", "never connects", "asks for a password nobody knows", "is painfully slow"],
    ),
    "trolley": (
        ["The trolley", "Every trolley I tried", "My trolley", "The trolley bay"],
        ["had wobbly wheels", "was dirty and sticky", "was chained up", "pulled to one side"],
    ),
}


def _comments(theme: str, count: int, rng: random.Random) -> list[str]:
    starts, ends = THEMES[theme]
    return [f"{rng.choice(starts)} {rng.choice(ends)}." for _ in range(count)]


# For the job: each comment says its theme's three words, then words any theme's comment may end with.
CORES = {
    "parking": (
        "the parking spaces were full",
        "parking spaces all full",
        "all the parking spaces were full",
    ),
    "wifi": ("the wifi signal was weak", "wifi signal weak", "the wifi signal was so weak"),
    "trolley": ("the trolley wheels were stuck", "trolley wheels stuck", "my trolley wheels were stuck"),
}
FILLERS = ("again", "this morning", "on Saturday", "during my visit", "as usual", "today", "")


def _said(theme: str, count: int, rng: random.Random) -> list[str]:
    return [
        f"{rng.choice(CORES[theme])} {rng.choice(FILLERS)}".strip().capitalize() + "." for _ in range(count)
    ]


def _hand_made() -> tuple[list[str], list[str]]:
    rng = random.Random(7)
    texts, truth = [], []
    for theme in THEMES:
        texts += _comments(theme, 30, rng)
        truth += [theme] * 30
    return texts, truth


# --- clustering ---------------------------------------------------------------------------------


def test_three_hand_made_themes_become_three_pure_clusters_named_by_their_words():
    # given 30 comments on each of three themes, worded in several ways
    texts, truth = _hand_made()

    # when
    clustering = cluster_comments(texts, k=3, random_state=0)

    # then each cluster holds one theme only, all of it, and its top terms name it
    assert clustering is not None
    assert sorted(cluster.size for cluster in clustering.clusters) == [30, 30, 30]
    for cluster in clustering.clusters:
        themes = {truth[i] for i in cluster.members}
        assert len(themes) == 1
        top = [term for term, _ in cluster.terms[:3]]
        assert themes.pop() in top
        assert sum(weight for _, weight in cluster.terms) == pytest.approx(1, abs=0.01)


def test_clustering_is_deterministic_with_a_fixed_random_state():
    texts, _ = _hand_made()

    first = cluster_comments(texts, k=3, random_state=0)
    second = cluster_comments(texts, k=3, random_state=0)

    assert first is not None
    assert second is not None
    assert [c.terms for c in first.clusters] == [c.terms for c in second.clusters]
    assert np.array_equal(first.labels, second.labels)


def test_examples_are_members_most_similar_first_and_never_a_comment_that_may_not_be_shown():
    # given the wifi comments may not be shown one by one, except the last one
    texts, truth = _hand_made()
    allowed = np.array([theme != "wifi" for theme in truth])
    allowed[len(texts) - 31] = True

    # when
    clustering = cluster_comments(texts, k=3, random_state=0, example_allowed=allowed)

    # then
    assert clustering is not None
    for cluster in clustering.clusters:
        assert set(cluster.examples) <= set(cluster.members.tolist())
        assert all(allowed[i] for i in cluster.examples)
    wifi = next(c for c in clustering.clusters if truth[c.members[0]] == "wifi")
    assert wifi.examples == [len(texts) - 31]


def test_assign_puts_new_comments_in_their_themes_cluster_and_unrelated_words_nowhere():
    texts, truth = _hand_made()
    clustering = cluster_comments(texts, k=3, random_state=0)
    assert clustering is not None
    topic_of = {truth[c.members[0]]: c.topic for c in clustering.clusters}

    labels = clustering.assign(["The wifi keeps dropping.", "Parking was full.", "Lovely weather today."])

    assert labels.tolist() == [topic_of["wifi"], topic_of["parking"], -1]


def test_too_few_words_give_no_clustering():
    assert cluster_comments(["ok", "ok", "fine"]) is None


@pytest.mark.parametrize(("count", "k"), [(10, 3), (1_000, 10), (4_000, 20), (1_000_000, 30)])
def test_k_grows_with_the_square_root_of_the_comments_between_3_and_30(count, k):
    assert k_for(count) == k


def test_term_similarity_is_the_weighted_jaccard_of_the_terms():
    # min sums: 0.5 (x); max sums: 0.5 (x) + 0.5 (y) + 0.5 (z) = 1.5
    assert term_similarity([["x", 0.5], ["y", 0.5]], [["x", 0.5], ["z", 0.5]]) == pytest.approx(1 / 3)
    assert term_similarity([["x", 1.0]], [["x", 1.0]]) == 1
    assert term_similarity([["x", 1.0]], [["y", 1.0]]) == 0


# --- the job: which comments, growth, tracking ------------------------------------------------


@pytest.fixture
def place(db):
    return {"source": SourceFactory(), "team": TeamFactory(), "customer": CustomerFactory()}


def _store(place, comments: list[str], *, days_ago: range, rng: random.Random, **fields) -> None:
    for text in comments:
        when = END - timedelta(days=rng.choice(days_ago), hours=rng.randint(0, 20))
        FeedbackFactory(comment=text, occurred_at=when, **place, **fields)


@pytest.fixture
def window(place):
    """Parking all month long (flat); wifi only in the last week (new); trolleys all month, coded."""
    rng = random.Random(3)
    _store(place, _said("parking", 40, rng), days_ago=range(0, 30), rng=rng)
    _store(place, _said("wifi", 30, rng), days_ago=range(0, 6), rng=rng)
    coded = CategoryFactory(slug="trolleys", name="Trolleys")
    _store(place, _said("trolley", 10, rng), days_ago=range(0, 30), rng=rng)
    _store(place, _said("trolley", 30, rng), days_ago=range(0, 30), rng=rng, confirmed_category=coded)
    # Outside the window, and coded with a confident suggestion: never read as uncoded.
    _store(place, _said("wifi", 20, rng), days_ago=range(40, 60), rng=rng)
    _store(
        place, _said("parking", 5, rng), days_ago=range(0, 30), rng=rng,
        suggested_category=coded, suggested_confidence=0.95,
    )  # fmt: skip
    return place


def _by_top_term(term: str) -> ThemeProposal:
    return next(p for p in ThemeProposal.objects.all() if term in [t for t, _ in p.terms[:3]])


@pytest.mark.django_db
def test_a_new_growing_theme_is_proposed_a_flat_one_watched_and_a_coded_one_left_out(window):
    # when
    run = themes_run(end=END, params=PARAMS)

    # then the run read the 80 uncoded comments of the window (not the coded, suggested or older ones)
    assert run is not None
    assert (run.comments, run.proposed) == (80, 1)
    assert run.window_start == END - timedelta(days=30)
    wifi, parking = _by_top_term("wifi"), _by_top_term("parking")
    assert (wifi.status, wifi.size, wifi.previous_size) == (ThemeStatus.PROPOSED, 30, 0)
    assert (parking.status, parking.size) == (ThemeStatus.WATCHING, 40)
    assert wifi.last_run == run
    assert wifi.first_seen_at == wifi.last_seen_at == END
    assert all("wifi" in text.lower() for text in _texts(wifi.example_ids))
    # the trolley cluster: 10 uncoded beside 30 coded comments is mostly coded, so no proposal
    assert run.clusters == 3
    assert ThemeProposal.objects.count() == 2
    assert ThemeRun.objects.count() == 1


def _texts(ids: list[int]) -> list[str]:
    from feedback.models import Feedback

    return list(Feedback.objects.filter(pk__in=ids).values_list("comment", flat=True))


@pytest.mark.django_db
def test_running_twice_the_same_night_changes_nothing_but_adds_a_run(window):
    themes_run(end=END, params=PARAMS)
    before = list(
        ThemeProposal.objects.order_by("pk").values("pk", "status", "size", "previous_size", "terms")
    )

    again = themes_run(end=END + timedelta(hours=1), params=PARAMS)

    assert again is not None
    assert again.proposed == 0
    after = list(
        ThemeProposal.objects.order_by("pk").values("pk", "status", "size", "previous_size", "terms")
    )
    assert after == before
    assert ThemeRun.objects.count() == 2


@pytest.mark.django_db
def test_the_next_night_the_same_theme_is_matched_and_its_previous_size_kept(window):
    themes_run(end=END, params=PARAMS)
    wifi = _by_top_term("wifi")
    rng = random.Random(11)
    _store(window, _said("wifi", 12, rng), days_ago=range(0, 1), rng=rng)

    run = themes_run(end=END + timedelta(days=1), params=PARAMS)

    wifi.refresh_from_db()
    assert (wifi.status, wifi.previous_size, wifi.size) == (ThemeStatus.PROPOSED, 30, 42)
    assert wifi.last_run == run
    assert ThemeProposal.objects.filter(status=ThemeStatus.PROPOSED).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("decided", [ThemeStatus.REJECTED, ThemeStatus.ACCEPTED])
def test_a_decided_theme_is_never_proposed_again_and_keeps_the_terms_it_was_decided_on(window, decided):
    # given a person decided on the wifi theme
    themes_run(end=END, params=PARAMS)
    wifi = _by_top_term("wifi")
    category = CategoryFactory(slug="wifi", name="Wifi") if decided == ThemeStatus.ACCEPTED else None
    ThemeProposal.objects.filter(pk=wifi.pk).update(status=decided, category=category, terms=wifi.terms[:4])
    rng = random.Random(5)
    _store(window, _said("wifi", 20, rng), days_ago=range(0, 1), rng=rng)

    # when the next night sees it grow further
    run = themes_run(end=END + timedelta(days=1), params=PARAMS)

    # then it is the same row, still decided, with its size followed
    assert run is not None
    assert run.proposed == 0
    wifi.refresh_from_db()
    assert (wifi.status, wifi.size, wifi.previous_size) == (decided, 50, 30)
    assert len(wifi.terms) == 4
    assert ThemeProposal.objects.filter(status=ThemeStatus.PROPOSED).count() == 0


@pytest.mark.django_db
def test_anonymous_employee_answers_count_in_a_theme_but_are_never_its_examples(place):
    # given a new wifi theme told only in an employee survey's answers
    rng = random.Random(9)
    staff = SourceFactory(slug="staff-voice", kind=SourceKind.EMPLOYEE)
    _store(place, _said("parking", 30, rng), days_ago=range(0, 30), rng=rng)
    answers = {**place, "source": staff}
    _store(answers, _said("wifi", 20, rng), days_ago=range(0, 5), rng=rng, metadata={SURVEY_KEY: "pulse"})

    # when
    themes_run(end=END, params=PARAMS)

    # then the theme is proposed, from the answers, without an example to open
    wifi = _by_top_term("wifi")
    assert (wifi.status, wifi.size, wifi.example_ids) == (ThemeStatus.PROPOSED, 20, [])


@pytest.mark.django_db
def test_a_window_without_comments_records_an_empty_run():
    run = themes_run(end=END, params=PARAMS)

    assert run is not None
    assert (run.comments, run.clusters, run.proposed) == (0, 0, 0)
    assert not ThemeProposal.objects.exists()


# --- the nightly task -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_nightly_task_runs_the_job_and_returns_its_run():
    from cxloop.core.management.commands.setup_periodic_tasks import PERIODIC_TASKS
    from feedback.tasks import themes_run as themes_run_task

    run_id = themes_run_task()

    assert ThemeRun.objects.get().pk == run_id
    assert ("feedback.themes_run", {"minute": "25", "hour": "3"}) in PERIODIC_TASKS.values()


@pytest.mark.django_db(transaction=True)
def test_a_second_run_while_one_holds_the_lock_does_nothing():
    from django.db import connections

    from feedback.themes.job import ADVISORY_LOCK_KEY

    # given another session holds the job's lock
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN; SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])

        # when
        run = themes_run(end=END, params=PARAMS)

        # then
        assert run is None
        assert not ThemeRun.objects.exists()
    finally:
        other.close()
