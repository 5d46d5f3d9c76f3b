"""Timing, tables and result files for `make bench`.

Every figure is a median over repeated runs, printed beside a baseline measured in the
same run (raw SQL for queries, COPY for ingestion), so the ratio holds when the machine's
speed drifts.
"""

import json
import platform
import statistics
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class Result:
    name: str
    unit: str
    median: float
    p90: float
    baseline_name: str
    baseline_median: float
    target: str = ""
    met: bool | None = None
    notes: dict = field(default_factory=dict)
    # A line printed under the row (counts, p99, what was left), for figures a median cannot say.
    detail: str = ""

    @property
    def ratio(self) -> float:
        return self.median / self.baseline_median if self.baseline_median else float("nan")


def measure(func, *, repeat: int, warmup: int = 2) -> list[float]:
    """Wall-clock milliseconds of `func()` over `repeat` runs after `warmup` discarded ones."""
    for _ in range(warmup):
        func()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p90(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=10)[-1] if len(samples) >= 2 else samples[0]


def print_table(results: list[Result]) -> None:
    header = (
        f"{'benchmark':<44} {'p50':>10} {'p90':>10} {'baseline':<30} {'base p50':>10} {'ratio':>7}  target"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        verdict = "" if r.met is None else (" ok" if r.met else " MISSED")
        print(
            f"{r.name:<44} {r.median:>8.2f}{r.unit:>2} {r.p90:>8.2f}{r.unit:>2} {r.baseline_name:<30} "
            f"{r.baseline_median:>8.2f}{r.unit:>2} {r.ratio:>6.2f}x  {r.target}{verdict}"
        )
        if r.detail:
            print(f"    {r.detail}")


def write_results(results: list[Result], *, meta: dict, path: str | None = None) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = Path(path) if path else RESULTS_DIR / f"bench-{stamp}.json"
    payload = {
        "when": stamp,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        **meta,
        "results": [{**asdict(r), "ratio": r.ratio} for r in results],
    }
    path.write_text(json.dumps(payload, indent=2))
    return path
