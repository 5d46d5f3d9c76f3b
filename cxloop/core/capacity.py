"""How many web and Celery processes one machine runs, and whether PostgreSQL can hold their connections.

One rule for `make run` (cxloop.devstack) and the container image (docker/entrypoint.sh), so the
two serve alike. Standard library only: devstack imports it before Django is configured.

Every process that talks to PostgreSQL can keep one connection open per thread of work
(CONN_MAX_AGE keeps it between requests and tasks), so what the processes can hold is fixed by
their sizes, not by the load:

    web        WEB_REPLICAS x WEB_CONCURRENCY gunicorn workers x GUNICORN_THREADS threads
    processing PROCESSING_REPLICAS x (PROCESSING_CONCURRENCY children + the worker's main process)
    alerts     ALERTS_CONCURRENCY + 1
    periodic   PERIODIC_CONCURRENCY + 1
    beat       1 (the database scheduler)

That total, plus DB_CONNECTION_MARGIN kept free for `make manage`, psql and migrations, must fit
in what the server lets non-superusers open: max_connections minus its reserved connections.
`python -m cxloop.core.capacity exec web|worker QUEUE|beat` starts a process sized by this rule.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# Celery queues, one worker each (DESIGN.md section 4): bulk work never delays an alert.
QUEUES = ("processing", "alerts", "periodic")
# Large arrays and imports: the processing worker takes them only when no live item waits (the
# broker's queue order is "priority", cxloop/settings), so a bulk load never delays a live detractor
# by more than the batches already running.
BULK_QUEUE = "bulk"
# Celery's own default queue, where a task goes when the settings name no default queue: the
# processing worker takes it too, so such a task is never stranded.
UNROUTED_QUEUE = "celery"
# Connections left for `make manage`, psql, a migration or another deployment's one-off job.
DEFAULT_MARGIN = 10
# Each gunicorn worker holds its own copy of Django and the app; beyond this many on one machine
# more web capacity comes from more machines (or an explicit WEB_CONCURRENCY), and the default
# topology fits PostgreSQL's default max_connections (100) on any number of CPUs.
MAX_WEB_WORKERS = 9
WEB_THREADS = 4
SIZE_VARIABLES = (
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
    "PROCESSING_CONCURRENCY",
    "ALERTS_CONCURRENCY",
    "PERIODIC_CONCURRENCY",
    "WEB_REPLICAS",
    "PROCESSING_REPLICAS",
    "DB_CONNECTION_MARGIN",
)
SHM = "/dev/shm"  # noqa: S108 (gunicorn's worker heartbeat directory, see gunicorn_argv)


def usable_cpus() -> int:
    """The CPUs this process may use: its affinity mask, capped by a container's CPU quota."""
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    quota = _cgroup_cpu_quota()
    if quota is not None:
        count = min(count, max(1, math.ceil(quota)))
    return max(1, count)


def _cgroup_cpu_quota() -> float | None:
    """CPUs allowed by cgroup v2 `cpu.max` or v1 `cpu.cfs_quota_us` (docker --cpus), if any."""
    try:
        max_quota, max_period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        return None if max_quota == "max" else int(max_quota) / int(max_period)
    except (OSError, ValueError):
        pass
    try:
        quota = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read_text())
        period = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return quota / period if quota > 0 and period > 0 else None


def _positive(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a whole number") from None
    if value < 1:
        raise SystemExit(f"{name}={raw!r} must be at least 1")
    return value


@dataclass(frozen=True)
class Sizing:
    """Process sizes for one machine (or one docker-compose project)."""

    cpus: int
    web_workers: int
    web_threads: int
    processing: int
    alerts: int
    periodic: int
    web_replicas: int = 1
    processing_replicas: int = 1
    margin: int = DEFAULT_MARGIN

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ, *, cpus: int | None = None) -> Sizing:
        """Sizes from the CPU count, each overridable by its environment variable."""
        cpus = cpus or usable_cpus()
        margin = environ.get("DB_CONNECTION_MARGIN", "").strip()
        return cls(
            cpus=cpus,
            # gunicorn's documented starting point, 2 x CPUs + 1, with threads for I/O waits.
            web_workers=_positive(environ, "WEB_CONCURRENCY", min(2 * cpus + 1, MAX_WEB_WORKERS)),
            web_threads=_positive(environ, "GUNICORN_THREADS", WEB_THREADS),
            # Bulk work is CPU-bound (enrichment, triage, imports): one child per CPU.
            processing=_positive(environ, "PROCESSING_CONCURRENCY", min(max(cpus, 2), 8)),
            # Alerts wait on SMTP more than on the CPU; two keep one slow send from blocking.
            alerts=_positive(environ, "ALERTS_CONCURRENCY", min(max(cpus // 2, 2), 4)),
            periodic=_positive(environ, "PERIODIC_CONCURRENCY", min(max(cpus // 4, 1), 2)),
            web_replicas=_positive(environ, "WEB_REPLICAS", 1),
            processing_replicas=_positive(environ, "PROCESSING_REPLICAS", 1),
            margin=int(margin) if margin.isdigit() else DEFAULT_MARGIN,
        )

    def concurrency(self, queue: str) -> int:
        return {"processing": self.processing, "alerts": self.alerts, "periodic": self.periodic}[queue]

    def connections(self) -> dict[str, int]:
        """The PostgreSQL connections each kind of process can hold at once."""
        return {
            "web": self.web_replicas * self.web_workers * self.web_threads,
            "processing": self.processing_replicas * (self.processing + 1),
            "alerts": self.alerts + 1,
            "periodic": self.periodic + 1,
            "beat": 1,
        }

    def describe(self) -> str:
        web = f"gunicorn {self.web_workers} workers x {self.web_threads} threads"
        if self.web_replicas > 1:
            web = f"{self.web_replicas} x {web}"
        processing = f"processing {self.processing}"
        if self.processing_replicas > 1:
            processing = f"{self.processing_replicas} x {processing}"
        return (
            f"web: {web}; Celery workers: {processing}, alerts {self.alerts}, "
            f"periodic {self.periodic} (sized for {self.cpus} CPUs); beat"
        )


@dataclass(frozen=True)
class ServerLimits:
    """What a PostgreSQL server allows: its max_connections and the connections it reserves."""

    max_connections: int
    reserved: int = 3

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> ServerLimits:
        """From `SELECT name, setting FROM pg_settings` (reserved_connections exists from 16 on)."""
        reserved = int(settings.get("superuser_reserved_connections", 3))
        reserved += int(settings.get("reserved_connections", 0))
        return cls(max_connections=int(settings["max_connections"]), reserved=reserved)

    @property
    def usable(self) -> int:
        return self.max_connections - self.reserved


LIMITS_QUERY = (
    "SELECT name, setting FROM pg_settings WHERE name IN "
    "('max_connections', 'superuser_reserved_connections', 'reserved_connections')"
)


def required_max_connections(sizing: Sizing, *, reserved: int = 3) -> int:
    """The smallest max_connections that holds `sizing`, its margin and the reserved connections."""
    return sum(sizing.connections().values()) + sizing.margin + reserved


def budget_problem(sizing: Sizing, limits: ServerLimits) -> str | None:
    """Why the server cannot hold every connection `sizing` can open, or None when it can."""
    needed = sizing.connections()
    total = sum(needed.values())
    if total + sizing.margin <= limits.usable:
        return None
    parts = ", ".join(f"{name} {count}" for name, count in needed.items())
    least = required_max_connections(sizing, reserved=limits.reserved)
    return (
        f"PostgreSQL cannot hold the connections cxloop's processes may open: they need up to "
        f"{total} ({parts}) plus {sizing.margin} kept free (DB_CONNECTION_MARGIN), {total + sizing.margin} "
        f"in all, but the server allows {limits.usable} (max_connections {limits.max_connections} "
        f"minus {limits.reserved} reserved). Lower WEB_CONCURRENCY ({sizing.web_workers}), "
        f"GUNICORN_THREADS ({sizing.web_threads}), PROCESSING_CONCURRENCY ({sizing.processing}), "
        f"ALERTS_CONCURRENCY ({sizing.alerts}) or PERIODIC_CONCURRENCY ({sizing.periodic}), or raise "
        f"max_connections on the server to at least {least}."
    )


def budget_summary(sizing: Sizing, limits: ServerLimits) -> str:
    total = sum(sizing.connections().values())
    return (
        f"PostgreSQL connections: up to {total} for cxloop's processes + {sizing.margin} kept free, "
        f"of {limits.usable} (max_connections {limits.max_connections} minus {limits.reserved} reserved)"
    )


# --- Command lines (the same for `make run` and the image) ---


def without_empty_sizes(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment without size variables set to nothing. docker-compose passes an unset size
    as an empty string, and gunicorn reads WEB_CONCURRENCY at import and fails on an empty one."""
    return {name: value for name, value in environ.items() if name not in SIZE_VARIABLES or value.strip()}


def gunicorn_argv(sizing: Sizing, *, bind: str) -> list[str]:
    """gunicorn as production runs it: gthread workers, recycled now and then, logs on stdout."""
    argv = [
        *("gunicorn", "cxloop.wsgi:application", "--bind", bind),
        *("--workers", str(sizing.web_workers), "--threads", str(sizing.web_threads)),
        *("--timeout", os.environ.get("GUNICORN_TIMEOUT", "60"), "--graceful-timeout", "30"),
        *("--keep-alive", "5", "--max-requests", "1000", "--max-requests-jitter", "100"),
        *("--access-logfile", "-", "--error-logfile", "-"),
    ]
    # The workers' heartbeat files on tmpfs: a container's overlay filesystem can stall them
    # (gunicorn's FAQ, "Blocking os.fchmod"). Not a temporary file of ours.
    if Path(SHM).is_dir():
        argv += ["--worker-tmp-dir", SHM]
    return argv


def worker_argv(
    sizing: Sizing, queue: str, *, node: str, environ: Mapping[str, str] = os.environ
) -> list[str]:
    """A Celery worker that consumes one queue, named as the settings name it (CXLOOP_QUEUE_PREFIX)."""
    if queue not in QUEUES:
        raise SystemExit(f"unknown queue {queue!r}; the queues are {', '.join(QUEUES)}")
    prefix = environ.get("CXLOOP_QUEUE_PREFIX", "")
    queues = prefix + queue
    if queue == "processing":
        # Live items first: the Redis transport takes the queues in this order, every time.
        queues += f",{prefix}{BULK_QUEUE},{UNROUTED_QUEUE}"
    return [
        *("celery", "-A", "cxloop", "worker", "-Q", queues, "-n", node),
        *("--concurrency", str(sizing.concurrency(queue)), "-l", "info"),
    ]


def beat_argv() -> list[str]:
    return ["celery", "-A", "cxloop", "beat", "-l", "info"]


def main(argv: list[str] | None = None) -> None:
    """`exec web BIND [ARGS...]`, `exec worker QUEUE [ARGS...]`, `exec beat [ARGS...]`, or `show`."""
    args = list(sys.argv[1:] if argv is None else argv)
    sizing = Sizing.from_env()
    if args[:1] == ["show"]:
        print(sizing.describe())
        print(", ".join(f"{name} {count}" for name, count in sizing.connections().items()))
        return
    if len(args) < 2 or args[0] != "exec" or args[1] not in ("web", "worker", "beat"):
        raise SystemExit(
            "usage: python -m cxloop.core.capacity exec web BIND | worker QUEUE | beat [ARGS...]"
        )
    role, rest = args[1], args[2:]
    cleaned = without_empty_sizes(os.environ)
    os.environ.clear()
    os.environ.update(cleaned)
    if role == "web":
        command = gunicorn_argv(sizing, bind=rest[0]) + rest[1:]
    elif role == "worker":
        command = worker_argv(sizing, rest[0], node=f"{rest[0]}@%h") + rest[1:]
    else:
        command = beat_argv() + rest
    sys.stdout.flush()
    # Through this interpreter, as devstack starts them: no reliance on PATH.
    os.execv(sys.executable, [sys.executable, "-m", *command])  # noqa: S606 (our own command line)


if __name__ == "__main__":
    main()
