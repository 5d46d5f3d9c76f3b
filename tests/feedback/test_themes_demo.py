"""The demo's planted emerging theme (feedback.demo.emerging) is found by the nightly theme job,
which seed_demo runs once after seeding (governance.demo.seed), so the first `make run` shows it."""

import io
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from cxloop.core.demo import demo_rng
from cxloop.org.demo import organisation_create
from feedback.demo.emerging import EMERGING_DAYS, emerging_count
from feedback.demo.seed import feedback_demo_create
from feedback.models import Feedback, ThemeProposal, ThemeRun, ThemeStatus
from feedback.themes.job import themes_run

pytestmark = pytest.mark.django_db

END = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)
BASELINE = 4000
SMALL = ("--feedback", str(BASELINE), "--customers", "500", "--end", END.isoformat())


@pytest.fixture
def demo_feedback():
    """The feedback part of the demo, small (the job reads feedback only)."""
    organisation = organisation_create(rng=demo_rng(seed=42, part="organisation"))
    return feedback_demo_create(seed=42, organisation=organisation, customers=500, feedback=BASELINE, end=END)


def test_the_demo_plants_missing_loyalty_points_uncoded_in_the_last_weeks(demo_feedback):
    planted = Feedback.objects.filter(comment__icontains="points")

    assert planted.count() == emerging_count(feedback=BASELINE) == 60
    assert not planted.filter(confirmed_category__isnull=False).exists()
    assert (END - planted.earliest("occurred_at").occurred_at).days < EMERGING_DAYS
    assert len(set(planted.values_list("comment", flat=True))) >= 30


def test_the_theme_job_proposes_the_demos_missing_loyalty_points_and_nothing_else(demo_feedback):
    # when
    run = themes_run(end=END)

    # then one theme is proposed, named by the planted problem's words, with planted examples
    assert run is not None
    assert run.proposed == 1
    proposal = ThemeProposal.objects.get(status=ThemeStatus.PROPOSED)
    top = [term for term, _ in proposal.terms[:3]]
    assert "points" in top
    assert {"loyalty", "rewards"} & set(top)
    assert proposal.size >= 50
    examples = Feedback.objects.filter(pk__in=proposal.example_ids).values_list("comment", flat=True)
    assert len(examples) == 5
    assert all("points" in text for text in examples)
    # the demo's everyday comments (praise, known problems) are watched, not proposed
    assert ThemeProposal.objects.filter(status=ThemeStatus.WATCHING).count() == run.clusters - 1


def test_seed_demo_runs_the_theme_job_once_so_the_first_start_shows_the_planted_theme():
    # when the whole demo is seeded, as the first `make run` does
    call_command("seed_demo", *SMALL, stdout=io.StringIO())

    # then the theme job ran over the window ending at the demo's end, and proposed the planted theme
    run = ThemeRun.objects.get()
    assert run.window_end == END
    proposal = ThemeProposal.objects.get(status=ThemeStatus.PROPOSED)
    assert "points" in [term for term, _ in proposal.terms[:3]]
