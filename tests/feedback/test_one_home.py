"""One home per rule: the scales' cut-offs live in feedback.scales, and nowhere else.

Two checks. The database's rollup functions (migration 0005_rollup, SQL that Python cannot import)
count with the same cut-offs as feedback.scales, read from the functions PostgreSQL actually runs
and confirmed on real rows. And no other Python module of the five apps writes a cut-off of its
own (a regex over the source, which a test below shows catches the usual spellings).
"""

import re
from pathlib import Path

import pytest
from django.db import connection

from feedback import scales
from feedback.metrics.rollup import rollup_fold_pending
from feedback.models.metrics import FeedbackDailyRollup
from tests.factories import FeedbackFactory

ROOT = Path(__file__).resolve().parents[2]
# The five apps, and the benchmarks, whose raw-SQL baselines must count as the app does.
APPS = ("cxloop", "feedback", "innerloop", "outerloop", "governance", "bench")
HOME = Path("feedback/scales.py")

# A score compared with a cut-off number, in the ORM, in SQL or in Python: `score__gte=9`,
# `score >= 9`, `recovery_score__gte=7`, `score__in=(7, 8)`, `score BETWEEN 7 AND 8`, a rule's
# `"score_max": 6`. A scale's bounds (0 and 10, 1 and 5, 1 and 7) are not cut-offs and do not match.
CUT_OFF = re.compile(
    r"""score(?:
        __gte\s*=\s*[479]\b | __gt\s*=\s*[68]\b          # score__gte=9, =7, =4; score__gt=6
      | __lte\s*=\s*[268]\b | __lt\s*=\s*[79]\b          # score__lte=6, =8, =2; score__lt=7
      | __(?:in|range)\s*=\s*[(\[]\s*7\s*,\s*8           # score__in=(7, 8)
      | \s*(?:>=\s*[479]|>\s*[68]|<=\s*[268]|<\s*[79])\b  # score >= 9, score <= 6, score < 7
      | \s+BETWEEN\s+7\s+AND\s+8                         # SQL
      | _max["']?\s*[:=]\s*[268]\b | _min["']?\s*[:=]\s*[479]\b  # a rule's score_max=6
    )""",
    re.VERBOSE | re.IGNORECASE,
)


def _python_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT)


def _offences() -> dict[Path, list[str]]:
    found = {}
    for path in _python_files():
        hits = [match.group(0) for match in CUT_OFF.finditer((ROOT / path).read_text())]
        if hits:
            found[path] = hits
    return found


@pytest.mark.parametrize(
    "snippet",
    [
        'Count("id", filter=Q(scale="nps", score__gte=9))',
        "Q(score__lte=6)",
        "Q(score__gte=7, score__lte=8)",
        "filter(recovery_score__gte=7)",
        'Q(scale="csat", score__gte=4)',
        "Q(score__in=(7, 8))",
        "if self.score >= 9:",
        "return item.score <= 6",
        'return "passive" if self.score >= 7 else "detractor"',
        "AND f.score <= 6",
        "score BETWEEN 7 AND 8",
        "score__lt=7",
        '{"scales": [Scale.NPS], "score_min": 0, "score_max": 6}',
        "score__gt=8",
    ],
)
def test_the_pattern_catches_a_cut_off(snippet):
    assert CUT_OFF.search(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        'Q(scale="nps", score__gte=0, score__lte=10)',
        'Q(scale="csat", score__gte=1, score__lte=5)',
        "not 0 <= recovery_score <= 10",
        "scales.promoter_q()",
        "score__gte=PROMOTER_MIN",
        "score__isnull=False",
        '{"score_min": 0, "score_max": DETRACTOR_MAX}',
        "if not low <= score <= high:",
        'Q(scale="ces", score__gte=1, score__lte=7)',
    ],
)
def test_the_pattern_leaves_scale_bounds_and_named_cut_offs_alone(snippet):
    assert not CUT_OFF.search(snippet)


def test_only_feedback_scales_writes_a_cut_off():
    # when
    offences = _offences()
    # then: no module but the home compares a score with a number of its own
    assert {path: hits for path, hits in offences.items() if path != HOME} == {}


def test_the_home_defines_the_cut_offs():
    assert (scales.PROMOTER_MIN, scales.PASSIVE_MIN, scales.DETRACTOR_MAX) == (9, 7, 6)
    assert (scales.CSAT_SATISFIED_MIN, scales.CSAT_DETRACTOR_MAX, scales.CES_DETRACTOR_MAX) == (4, 2, 2)
    assert [scales.nps_bucket(score) for score in (0, 6, 7, 8, 9, 10, None)] == [
        "detractor", "detractor", "passive", "passive", "promoter", "promoter", None,
    ]  # fmt: skip


# --- the database's copy ---


def _rollup_functions_source() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(prosrc, E'\\n') FROM pg_proc WHERE prosrc LIKE %s", ["%scale = 'nps'%"]
        )
        (source,) = cursor.fetchone()
    return source or ""


@pytest.mark.django_db
def test_the_rollup_triggers_use_the_same_cut_offs():
    # when
    source = re.sub(r"\s+", " ", _rollup_functions_source())
    # then: the SQL's numbers are the constants'
    assert f"scale = 'nps' AND score >= {scales.PROMOTER_MIN} THEN" in source
    assert (
        f"scale = 'nps' AND score BETWEEN {scales.PASSIVE_MIN} AND {scales.PROMOTER_MIN - 1} THEN" in source
    )
    assert f"scale = 'nps' AND score <= {scales.DETRACTOR_MAX} THEN" in source
    assert f"scale = 'csat' AND score >= {scales.CSAT_SATISFIED_MIN} THEN" in source


@pytest.mark.django_db
def test_the_rollup_buckets_every_score_as_feedback_scales_does():
    # given: every NPS and CSAT score once
    for score in range(11):
        FeedbackFactory(scale="nps", score=score)
    for score in range(1, 6):
        FeedbackFactory(scale="csat", score=score)
    # when
    rollup_fold_pending()
    totals = {
        scale: [
            sum(getattr(row, counter) for row in FeedbackDailyRollup.objects.filter(scale=scale))
            for counter in ("promoters", "passives", "detractors", "satisfied")
        ]
        for scale in ("nps", "csat")
    }
    # then
    buckets = [scales.nps_bucket(score) for score in range(11)]
    assert totals["nps"] == [
        buckets.count(scales.PROMOTER),
        buckets.count(scales.PASSIVE),
        buckets.count(scales.DETRACTOR),
        0,
    ]
    assert totals["csat"] == [0, 0, 0, sum(score >= scales.CSAT_SATISFIED_MIN for score in range(1, 6))]
