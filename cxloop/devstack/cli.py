"""The commands: run (serve with workers and beat, supervised), test, manage and bench."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
import warnings
from pathlib import Path

from cxloop.core.capacity import (
    QUEUES,
    Sizing,
    beat_argv,
    gunicorn_argv,
    required_max_connections,
    without_empty_sizes,
    worker_argv,
)

from .lock import AlreadyRunning, RunLock
from .servers import EmbeddedServers
from .supervisor import Program, Supervisor

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
# platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the fallback it picks is fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

DEMO_LOGINS = ("agent", "lead", "manager", "committee", "admin", "agente")
DEMO_PASSWORD = "cxloop-demo"  # noqa: S105 (demo data only, created by seed_demo)


def log(message: str) -> None:
    print(f"[cxloop] {message}", flush=True)


def state_dir() -> Path:
    """Where the embedded servers' data and the run lock live (CXLOOP_STATE_DIR, else .cxloop/)."""
    return Path(os.environ.get("CXLOOP_STATE_DIR") or ROOT / ".cxloop")


def child_env(extra: dict[str, str], settings: str) -> dict[str, str]:
    env = without_empty_sizes(os.environ)
    env.update(extra)
    # Set, not defaulted: importing the cxloop package already defaults it to the base settings.
    env["DJANGO_SETTINGS_MODULE"] = settings
    env["PYTHONUNBUFFERED"] = "1"
    return env


def manage(env: dict[str, str], *args: str) -> int:
    return subprocess.call([PYTHON, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT)


# Management commands in one process, one Django start-up for them all: each argument is one
# command line; the first that fails stops the rest.
PREPARE = """
import sys

import django

django.setup()
from django.core.management import call_command
from django.core.management.base import CommandError

for step in sys.argv[1:]:
    try:
        call_command(*step.split())
    except CommandError as error:
        sys.exit(f"CommandError: {error}")
"""


def prepare(env: dict[str, str], *steps: str) -> int:
    return subprocess.call([PYTHON, "-c", PREPARE, *steps], env=env, cwd=ROOT)


def port_in_use(port: int) -> bool:
    """Whether another program listens on the port. A port left in TIME_WAIT by the previous run
    is free: gunicorn binds with SO_REUSEADDR, and so does this check."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def http_answers(url: str) -> bool:
    """Whether the web server answers at all (a 503 is an answer): its workers have booted."""
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own http://127.0.0.1 URL)
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def _stop_on_sigterm(signum, frame):
    # Until the supervisor takes over, SIGTERM unwinds like Ctrl-C: the servers are stopped.
    raise KeyboardInterrupt


def run_programs(env: dict[str, str], sizing: Sizing, port: int) -> list[Program]:
    """gunicorn, one Celery worker per queue and beat, as docker-compose.yml runs them."""

    def program(name: str, argv: list[str], stop_timeout: float) -> Program:
        # PGAPPNAME labels each process's connections in pg_stat_activity.
        return Program(name, [PYTHON, "-m", *argv], {**env, "PGAPPNAME": f"cxloop-{name}"}, stop_timeout)

    programs = [program("web", gunicorn_argv(sizing, bind=f"127.0.0.1:{port}"), 40)]
    # Node names carry the port: two checkouts on one machine may share an external Redis.
    programs += [
        program(f"worker-{queue}", worker_argv(sizing, queue, node=f"{queue}-{port}@%h"), 30)
        for queue in QUEUES
    ]
    programs.append(program("beat", beat_argv(), 15))
    return programs


def cmd_run(args: argparse.Namespace) -> int:
    port = int(os.environ.get("PORT", "8000"))
    url = f"http://127.0.0.1:{port}/"
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    lock = RunLock(state_dir() / "run.lock")
    try:
        lock.acquire(log=log)
    except AlreadyRunning as running:
        log(str(running))
        return 1
    with lock:
        lock.update(url=url)
        if port_in_use(port):
            log(f"port {port} is in use by another program; stop it or choose another: PORT=8001 make run")
            return 1
        sizing = Sizing.from_env()
        log(sizing.describe())
        servers = EmbeddedServers(
            state=state_dir(),
            database="cxloop",
            redis_name="redis",
            log=log,
            max_connections=max(100, required_max_connections(sizing)),
        )
        with servers:
            env = child_env(servers.env, "cxloop.settings.base")
            env.setdefault("DJANGO_DEBUG", "1")
            # The connection budget first: refuse before changing anything.
            steps = ["check_capacity", "migrate --noinput", "setup_periodic_tasks"]
            if not args.no_demo:
                steps.append("seed_demo")
            if prepare(env, *steps) != 0:
                return 1
            supervisor = Supervisor(
                run_programs(env, sizing, port),
                cwd=ROOT,
                log=log,
                # Stop taking requests, then stop scheduling, then let the workers finish their tasks.
                stop_order=[["web"], ["beat"], [f"worker-{queue}" for queue in QUEUES]],
            )

            def announce() -> None:
                lock.update(state="running")
                log(f"cxloop is running at {url}  (health: {url}healthz)")
                log(f"demo logins: {', '.join(DEMO_LOGINS)}; password: {DEMO_PASSWORD}")
                log("press Ctrl-C to stop every process started here")

            code = supervisor.run(
                ready=lambda: http_answers(f"{url}healthz"),
                on_ready=announce,
                # A `make run` started now waits for this one to finish stopping.
                on_stopping=lambda: lock.update(state="stopping"),
            )
        log("stopped")
        return code


def cmd_test(args: argparse.Namespace) -> int:
    with EmbeddedServers(state=state_dir(), database="cxloop", redis_name="redis-test", log=log) as servers:
        env = child_env(servers.env, "cxloop.settings.test")
        return subprocess.call([PYTHON, "-m", "pytest", *args.rest], env=env, cwd=ROOT)


def cmd_manage(args: argparse.Namespace) -> int:
    with EmbeddedServers(state=state_dir(), database="cxloop", redis_name="redis", log=log) as servers:
        env = child_env(servers.env, "cxloop.settings.base")
        return manage(env, *args.rest)


def cmd_bench(args: argparse.Namespace) -> int:
    with EmbeddedServers(state=state_dir(), database="cxloop", redis_name="redis-bench", log=log) as servers:
        env = child_env(servers.env, "cxloop.settings.base")
        return subprocess.call([PYTHON, "-m", "bench", *args.rest], env=env, cwd=ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cxloop.devstack")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func in (("run", cmd_run), ("test", cmd_test), ("manage", cmd_manage), ("bench", cmd_bench)):
        command = sub.add_parser(name)
        if name == "run":
            command.add_argument("--no-demo", action="store_true", help="skip seed_demo (tests)")
        command.add_argument("rest", nargs=argparse.REMAINDER)
        command.set_defaults(func=func)
    args = parser.parse_args(argv)
    if args.rest and args.rest[0] == "--":
        args.rest = args.rest[1:]
    try:
        return args.func(args)
    except KeyboardInterrupt:
        log("interrupted")
        return 130
