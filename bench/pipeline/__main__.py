"""`python -m bench.pipeline`: prepare the database, run the chosen scenarios, write their results."""

import argparse
import json
import os
import sys
import tempfile
import uuid
from dataclasses import asdict
from pathlib import Path

from bench.harness import Result

from .data import pipeline_database_url, prepare
from .drain import drain
from .latency import live_during_drain
from .load import mixed_load, same_items_from_fifty_senders
from .topology import Topology


def run(*, only: set[str], mixed_seconds: float) -> list[Result]:
    logs = Path(tempfile.mkdtemp(prefix="cxloop-bench-pipeline-"))
    print(f"[pipeline] process logs in {logs}", flush=True)
    results = []
    if "drain" in only:
        results.append(drain(logs))
    if only & {"latency", "senders", "mixed"}:
        with Topology(logs=logs) as topology:
            if "latency" in only:
                results += live_during_drain(topology)
            if "senders" in only:
                results.append(same_items_from_fifty_senders(topology))
            if "mixed" in only:
                results += mixed_load(topology, seconds=mixed_seconds)
    return results


KEYS = ("drain", "latency", "senders", "mixed")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline")
    parser.add_argument("--only", default=",".join(KEYS))
    parser.add_argument("--mixed-seconds", type=float, default=180)
    parser.add_argument("--results-file", required=True)
    args = parser.parse_args(argv)
    only = {key.strip() for key in args.only.split(",") if key.strip()}
    os.environ["DATABASE_URL"], name = pipeline_database_url(os.environ["DATABASE_URL"])
    os.environ["DJANGO_SETTINGS_MODULE"] = "cxloop.settings.base"
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["CXLOOP_QUEUE_PREFIX"] = f"bench-{uuid.uuid4().hex[:6]}-"
    from bench.database import recreate_database

    recreate_database(name)
    import django

    django.setup()
    prepare()
    results = run(only=only, mixed_seconds=args.mixed_seconds)
    Path(args.results_file).write_text(json.dumps([asdict(r) for r in results]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
