"""`make bench`: build a large data set in its own database, measure, print and save the results.

Usage: python -m bench [--scale N] [--repeat N]   (DATABASE_URL / REDIS_URL from the environment)
"""

import argparse
import os
import sys
import time
from urllib.parse import urlsplit, urlunsplit

FEEDBACK_PER_SCALE = 50_000


def bench_database_url(url: str) -> tuple[str, str]:
    """The same server as DATABASE_URL, with a database of its own: <name>_bench."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "cxloop"
    bench_name = name if name.endswith("_bench") else f"{name}_bench"
    return urlunsplit(parts._replace(path="/" + bench_name)), bench_name


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "--scale", type=int, default=20, help="seed_demo scale: 20 is about 1,000,000 feedback rows"
    )
    parser.add_argument("--repeat", type=int, default=50, help="timed runs per benchmark")
    args = parser.parse_args()

    os.environ["DATABASE_URL"], bench_name = bench_database_url(os.environ["DATABASE_URL"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxloop.settings.base")
    os.environ["DJANGO_DEBUG"] = "0"
    import django

    from bench.database import ensure_database

    ensure_database(bench_name)
    django.setup()
    from django.core.management import call_command

    from bench.harness import print_table, write_results
    from bench.scenarios import run_all
    from feedback.models import Feedback

    call_command("migrate", verbosity=0)
    expected = FEEDBACK_PER_SCALE * args.scale
    present = Feedback.objects.count()
    if present and abs(present - expected) > expected * 0.2:
        print(f"[bench] database {bench_name} holds {present:,} rows, not ~{expected:,}: rebuilding it")
        from django.db import connections

        from bench.database import recreate_database

        connections.close_all()
        recreate_database(bench_name)
        call_command("migrate", verbosity=0)
    if not Feedback.objects.exists():
        started = time.perf_counter()
        print(
            f"[bench] generating ~{expected:,} feedback rows (seed_demo --scale {args.scale})...", flush=True
        )
        call_command("seed_demo", scale=args.scale)
        print(f"[bench] generated in {time.perf_counter() - started:.0f} s", flush=True)

    results = run_all(repeat=args.repeat)
    print()
    print_table(results)
    path = write_results(
        results, meta={"scale": args.scale, "feedback_rows": Feedback.objects.count(), "repeat": args.repeat}
    )
    print(f"\n[bench] results written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
