"""The nightly theme job's clustering over 1,000,000 comments: linear in the number of comments, within
5 minutes, beside a same-run baseline (tokenising the same comments, nothing else).

What is timed: feedback.themes.clustering.cluster_comments on generated comments held in memory, at
250,000, 500,000 and 1,000,000 (the vocabulary and the NMF topics are fitted on a fixed 40,000
sample; every comment is then vectorised and assigned to its nearest topic in chunks of 50,000, so
memory stays bounded by a chunk). Separately, the database read: 1,000,000 comments COPYed into a
temporary table (inside a transaction rolled back after) and streamed back through a server-side
cursor in chunks of 5,000, as feedback.themes.selection reads the window. That figure leaves out the
job's filters on feedback_feedback (indexed by date), so it is the streaming cost, not a query plan.

Standalone: `python -m bench.themes [--sizes 250000,500000,1000000]` against DATABASE_URL.
"""

import io
import itertools
import random
import re
import time
from datetime import UTC, datetime, timedelta

from bench.harness import Result

SIZES = (250_000, 500_000, 1_000_000)
TARGET_SECONDS = 300
_FILLER = (
    "today", "again", "yesterday", "week", "morning", "evening", "order", "visit", "store", "online",
    "staff", "customer", "team", "time", "really", "quite", "very", "still", "never", "always", "nothing",
    "something", "everything", "anyone", "service", "experience", "product", "item", "home", "family",
    "weekend", "friday", "monday", "saturday", "people", "website", "phone", "email", "colleague",
)  # fmt: skip
_NOUNS = (
    "parcel", "courier", "refund", "voucher", "points", "card", "basket", "checkout", "till", "queue",
    "trolley", "parking", "wifi", "app", "login", "password", "invoice", "receipt", "label", "return",
    "delivery", "driver", "sofa", "table", "lamp", "kettle", "towel", "paint",
)  # fmt: skip
_PROBLEMS = ("late", "missing", "broken", "damaged", "wrong", "slow", "expired", "rejected", "lost", "cold",
             "dirty", "noisy")  # fmt: skip


def generated_comments(count: int, *, seed: int = 1) -> list[str]:
    """`count` comments of a generator of our own: one of 336 noun-problem themes, with filler words."""
    rng = random.Random(seed)
    themes = [(noun, problem) for noun in _NOUNS for problem in _PROBLEMS]
    comments = []
    for _ in range(count):
        noun, problem = themes[int(rng.random() * len(themes))]
        filler = rng.sample(_FILLER, 4)
        comments.append(f"The {noun} was {problem} {filler[0]} {filler[1]}, {filler[2]} {noun} {filler[3]}.")
    return comments


def _tokenise(texts: list[str]) -> int:
    """The baseline: split every comment into words, as the vectoriser's first step does."""
    word = re.compile(r"(?u)\b[^\W\d_]{3,}\b")
    return sum(len(word.findall(text.lower())) for text in texts)


def _database_read(texts: list[str]) -> float:
    """Seconds to stream `texts` back from a temporary table through a server-side cursor."""
    from django.db import connection, transaction

    start = datetime.now(UTC) - timedelta(days=20)
    buffer = io.StringIO()
    for i, text in enumerate(texts):
        buffer.write(f"{i}\t{text}\t{(start + timedelta(seconds=i)).isoformat()}\n")
    buffer.seek(0)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE bench_theme_comments (id int, comment text, occurred_at timestamptz)"
            )
            cursor.cursor.copy_expert("COPY bench_theme_comments FROM STDIN", buffer)
        started = time.perf_counter()
        with connection.connection.cursor(name="bench_theme_read") as named:
            named.itersize = 5_000
            named.execute("SELECT id, comment, occurred_at FROM bench_theme_comments")
            rows = sum(1 for _ in named)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    assert rows == len(texts)
    return seconds


def _timed(func) -> tuple[float, float]:
    """Wall-clock and CPU seconds of `func()` (CPU time holds when other processes share the cores)."""
    wall, cpu = time.perf_counter(), time.process_time()
    func()
    return time.perf_counter() - wall, time.process_time() - cpu


def theme_clustering(*, sizes: tuple[int, ...] = SIZES, database: bool = True) -> Result:
    """cluster_comments at each size (one run each: a run at 1M takes a minute), and the baseline.

    Linear: the CPU time per comment at the largest size is at most 1.3 times that at the smallest
    (fitting the topics on the fixed sample is a constant, so it is usually less); the marginal cost
    of a further comment (the slope between consecutive sizes) is reported beside it.
    """
    from feedback.themes.clustering import cluster_comments

    comments = generated_comments(max(sizes))
    cluster_comments(comments[:20_000], random_state=0)  # warm-up: imports, allocator
    wall, cpu = {}, {}
    for size in sizes:
        wall[size], cpu[size] = _timed(lambda size=size: cluster_comments(comments[:size], random_state=0))
        print(f"[bench] themes: {size:,} comments in {wall[size]:.1f} s ({cpu[size]:.1f} s CPU)", flush=True)
    largest, smallest = max(sizes), min(sizes)
    baseline, baseline_cpu = _timed(lambda: _tokenise(comments))
    read = _database_read(comments) if database else None
    per_comment = {size: cpu[size] / size * 1e6 for size in sizes}
    linearity = {f"{size:,}": round(per_comment[size] / per_comment[smallest], 2) for size in sizes}
    slopes = [(cpu[b] - cpu[a]) / (b - a) * 1e6 for a, b in itertools.pairwise(sorted(sizes))]
    return Result(
        name=f"theme clustering, {largest:,} comments",
        unit="s",
        median=wall[largest],
        p90=wall[largest],
        baseline_name=f"tokenise {largest:,} comments",
        baseline_median=baseline,
        target=f"< {TARGET_SECONDS} s, linear",
        met=wall[largest] < TARGET_SECONDS and max(linearity.values()) <= 1.3,
        notes={
            "wall_seconds": {f"{size:,}": round(wall[size], 2) for size in sizes},
            "cpu_seconds": {f"{size:,}": round(cpu[size], 2) for size in sizes},
            "cpu_microseconds_per_comment": {f"{size:,}": round(per_comment[size], 1) for size in sizes},
            "per_comment_vs_smallest": linearity,
            "marginal_cpu_microseconds_per_comment": [round(slope, 1) for slope in slopes],
            "baseline_cpu_seconds": round(baseline_cpu, 2),
            "database_stream_seconds": None if read is None else round(read, 2),
        },
        detail=(
            "wall s "
            + ", ".join(f"{size:,}: {wall[size]:.1f}" for size in sizes)
            + "; CPU s "
            + ", ".join(f"{size:,}: {cpu[size]:.1f}" for size in sizes)
            + "; CPU per comment vs the smallest "
            + ", ".join(f"{k}: {v}x" for k, v in linearity.items())
            + "; marginal CPU us/comment "
            + ", ".join(f"{slope:.1f}" for slope in slopes)
            + ("" if read is None else f"; streaming {largest:,} comments from PostgreSQL: {read:.1f} s")
        ),
    )


def main(argv=None) -> int:
    import argparse
    import os

    import django

    parser = argparse.ArgumentParser(prog="python -m bench.themes")
    parser.add_argument("--sizes", default=",".join(str(size) for size in SIZES))
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxloop.settings.base")
    django.setup()
    from bench.harness import print_table

    print_table([theme_clustering(sizes=tuple(int(size) for size in args.sizes.split(",")))])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
