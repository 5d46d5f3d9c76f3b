"""`make bench`: build a large data set in its own database, measure, print and save the results.

Usage: python -m bench [--scale N] [--days N] [--repeat N] [--only KEY,...] [--prepare] [--linearity N,...]
                       [--mixed-seconds N]
(DATABASE_URL / REDIS_URL from the environment). Each scale has a database of its own,
<name>_bench_s<scale>, built once by seed_demo and reused by later runs.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

FEEDBACK_PER_SCALE = 50_000
# Two years, as the targets of the metrics issue are stated for.
HISTORY_DAYS = 730
# 200,000 cases beside 1,000,000 feedback rows, as the inner-loop and outer-loop targets are stated for.
CASES_PER_FEEDBACK = 0.2
SCENARIO_KEYS = (
    "pages", "ingest", "nps", "inner", "signals", "drain", "latency", "senders", "mixed", "surveys", "themes",
)  # fmt: skip
# Scenarios of bench/pipeline/: real processes on a database of their own, in a process of its own.
PIPELINE_KEYS = ("drain", "latency", "senders", "mixed")
SIGNAL_JOB = "signal detection job"


def bench_database_url(url: str, *, scale: int) -> tuple[str, str]:
    """The same server as DATABASE_URL, with a database of its own per scale: <name>_bench_s<scale>."""
    parts = urlsplit(url)
    name = (parts.path.lstrip("/") or "cxloop").split("_bench")[0]
    bench_name = f"{name}_bench_s{scale}"
    return urlunsplit(parts._replace(path="/" + bench_name)), bench_name


def _arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "--scale", type=int, default=20, help="seed_demo scale: 20 is about 1,000,000 feedback rows"
    )
    parser.add_argument("--days", type=int, default=HISTORY_DAYS, help="days of history (default two years)")
    parser.add_argument("--repeat", type=int, default=50, help="timed runs per benchmark")
    parser.add_argument(
        "--only", default=",".join(SCENARIO_KEYS), help=f"comma-separated subset of {','.join(SCENARIO_KEYS)}"
    )
    parser.add_argument("--prepare", action="store_true", help="build the data set, measure nothing")
    parser.add_argument(
        "--linearity",
        default="",
        help="also time the signal job at these smaller scales (e.g. 5,10), each in its own database",
    )
    parser.add_argument(
        "--mixed-seconds", type=float, default=180, help="how long the 8 clients of 'mixed' run (default 180)"
    )
    parser.add_argument("--results-file", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.only = {key.strip() for key in args.only.split(",") if key.strip()}
    unknown = args.only - set(SCENARIO_KEYS)
    if unknown:
        parser.error(f"unknown scenario keys: {', '.join(sorted(unknown))}")
    args.linearity = [int(scale) for scale in args.linearity.split(",") if scale.strip()]
    if args.linearity and "signals" not in args.only:
        parser.error("--linearity times the signal job: keep 'signals' in --only")
    return args


def _prepare(*, bench_name: str, scale: int, days: int) -> None:
    """Build (or reuse) the data set: seed_demo at this scale, then the bench's cases."""
    from django.core.management import call_command
    from django.db import connection, connections

    from bench.cases import ensure_cases
    from bench.database import recreate_database
    from feedback.models import Feedback

    call_command("migrate", verbosity=0)
    expected = FEEDBACK_PER_SCALE * scale
    present = Feedback.objects.count()
    if present and abs(present - expected) > expected * 0.2:
        print(f"[bench] database {bench_name} holds {present:,} rows, not ~{expected:,}: rebuilding it")
        connections.close_all()
        recreate_database(bench_name)
        call_command("migrate", verbosity=0)
    built = not Feedback.objects.exists()
    if built:
        started = time.perf_counter()
        print(
            f"[bench] generating ~{expected:,} feedback rows over {days} days "
            f"(seed_demo --scale {scale} --days {days})...",
            flush=True,
        )
        call_command("seed_demo", scale=scale, days=days)
        print(f"[bench] generated in {time.perf_counter() - started:.0f} s", flush=True)
    cases = ensure_cases(count=round(Feedback.objects.count() * CASES_PER_FEEDBACK))
    # As autovacuum would have by now in a database that grew to this size: statistics, and pages
    # marked all-visible (index-only scans depend on it).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)" if built else "VACUUM (ANALYZE) innerloop_case")
    print(f"[bench] {bench_name}: {Feedback.objects.count():,} feedback rows, {cases:,} cases", flush=True)


def _signal_row(scale: int, result: dict) -> dict:
    return {
        "scale": scale,
        "feedback_rows": result["notes"]["feedback_rows"],
        "case_rows": result["notes"]["case_rows"],
        "seconds": result["median"],
    }


def _linearity(args) -> list[dict]:
    """The signal job at each smaller scale, each in a process of its own against its own database."""
    rows = []
    for scale in args.linearity:
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            command = [sys.executable, "-m", "bench", "--scale", str(scale), "--days", str(args.days)]
            command += ["--repeat", str(args.repeat), "--only", "signals", "--results-file", out.name]
            subprocess.run(command, check=True)
            payload = json.loads(Path(out.name).read_text())
        rows.append(_signal_row(scale, next(r for r in payload["results"] if r["name"] == SIGNAL_JOB)))
    return rows


def _print_linearity(rows: list[dict]) -> None:
    first = rows[0]
    per_row = first["seconds"] / first["feedback_rows"]
    print(
        f"\n{'signal job linearity':<24} {'feedback':>10} {'cases':>9} {'p50':>9} {'us/row':>8} "
        f"{'vs linear':>10}"
    )
    for row in rows:
        linear = per_row * row["feedback_rows"]
        print(
            f"{'scale ' + str(row['scale']):<24} {row['feedback_rows']:>10,} {row['case_rows']:>9,} "
            f"{row['seconds']:>8.2f}s {row['seconds'] / row['feedback_rows'] * 1e6:>8.2f} "
            f"{row['seconds'] / linear:>9.2f}x"
        )


def _pipeline(args) -> list:
    """bench/pipeline's scenarios, in a process of its own (it sets Django up on its own database)."""
    from bench.harness import Result

    keys = ",".join(key for key in PIPELINE_KEYS if key in args.only)
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [sys.executable, "-m", "bench.pipeline", "--only", keys, "--results-file", out.name]
        subprocess.run([*command, "--mixed-seconds", str(args.mixed_seconds)], check=True)
        return [Result(**row) for row in json.loads(Path(out.name).read_text())]


def _themes_only(args) -> int:
    """`--only themes`: the theme clustering bench (bench/themes.py) on a migrated, unseeded database."""
    from django.core.management import call_command

    from bench.harness import print_table, write_results
    from bench.themes import theme_clustering

    call_command("migrate", verbosity=0)
    results = [theme_clustering()]
    print()
    print_table(results)
    path = write_results(results, meta={"only": ["themes"]}, path=args.results_file or None)
    print(f"\n[bench] results written to {path}")
    return 0


def main(argv=None) -> int:
    args = _arguments(argv)
    pipeline = _pipeline(args) if args.only & set(PIPELINE_KEYS) and not args.prepare else []
    if pipeline and not args.only - set(PIPELINE_KEYS):
        from bench.harness import print_table, write_results

        print()
        print_table(pipeline)
        path = write_results(pipeline, meta={"only": sorted(args.only)}, path=args.results_file or None)
        print(f"\n[bench] results written to {path}")
        return 0
    os.environ["DATABASE_URL"], bench_name = bench_database_url(os.environ["DATABASE_URL"], scale=args.scale)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxloop.settings.base")
    os.environ["DJANGO_DEBUG"] = "0"
    import django

    from bench.database import ensure_database

    ensure_database(bench_name)
    django.setup()
    if args.only == {"themes"}:
        # Generated comments in memory and a temporary table: no need for the seeded data set.
        return _themes_only(args)

    from bench.harness import print_table, write_results
    from bench.scenarios import run_all
    from feedback.models import Feedback

    _prepare(bench_name=bench_name, scale=args.scale, days=args.days)
    if args.prepare:
        return 0
    results = run_all(repeat=args.repeat, only=args.only, days=args.days) + pipeline
    print()
    print_table(results)
    meta = {"scale": args.scale, "days": args.days, "feedback_rows": Feedback.objects.count()}
    if args.linearity:
        main_signal = next(asdict(r) for r in results if r.name == SIGNAL_JOB)
        rows = [*_linearity(args), _signal_row(args.scale, main_signal)]
        _print_linearity(rows)
        meta["signal_job_linearity"] = rows
    path = write_results(results, meta={**meta, "repeat": args.repeat}, path=args.results_file or None)
    print(f"\n[bench] results written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
