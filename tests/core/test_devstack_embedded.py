"""The embedded PostgreSQL and Redis of `make run` / `make manage`, after a run that was killed."""

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.fixtures.celery_worker import ROOT
from tests.fixtures.servers import wait_until

pytestmark = [pytest.mark.worker]


def devstack(*args: str, env: dict, **kwargs):
    return [sys.executable, "-m", "cxloop.devstack", *args], {"env": env, "cwd": ROOT, **kwargs}


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def processes_using(path: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if str(path) in " ".join(process.info["cmdline"] or []):
            found.append(process)
    return found


def test_embedded_servers_start_again_after_a_killed_run_left_their_files_behind(tmp_path):
    # given: `make manage` holding the embedded servers, killed together with both of them
    state = tmp_path / "state"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["CXLOOP_STATE_DIR"] = str(state)
    log = tmp_path / "holder.log"
    argv, options = devstack("manage", "--", "shell", "-c", "import time; time.sleep(300)", env=env)
    with log.open("w") as out:
        holder = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **options
        )
    wait_until(lambda: "embedded Redis running" in log.read_text(), timeout=90, what="the embedded servers")
    postmaster_pid = state / "pgdata" / "postmaster.pid"
    redis_pidfile = Path(json.loads((state / "redis.rdb.settings").read_text())["pidfile"])
    servers = [int(postmaster_pid.read_text().split()[0]), int(redis_pidfile.read_text())]
    os.killpg(holder.pid, signal.SIGKILL)
    for pid in servers:
        os.kill(pid, signal.SIGKILL)
    holder.wait()
    wait_until(
        lambda: not any(psutil.pid_exists(pid) for pid in servers), timeout=10, what="the servers to die"
    )
    # and the pids in their files now belong to another program (this one)
    lines = postmaster_pid.read_text().splitlines()
    postmaster_pid.write_text("\n".join([str(os.getpid()), *lines[1:]]) + "\n")
    redis_pidfile.write_text(str(os.getpid()))
    # when: the next command
    argv, options = devstack("manage", "--", "check_capacity", env=env)
    result = subprocess.run(argv, capture_output=True, text=True, timeout=180, **options)
    # then: it starts both servers afresh, says what it cleared, runs, and stops them again
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"removed a stale postmaster.pid (pid {os.getpid()} is another program now)" in result.stdout
    assert f"forgot a stale embedded Redis (pid {os.getpid()} is another program now)" in result.stdout
    assert "PostgreSQL connections: up to" in result.stdout
    assert (state / "redis.aof").exists()
    port = int(result.stdout.split("embedded Redis running on 127.0.0.1:")[1].split(",")[0])
    assert not processes_using(state)
    assert not port_answers(port)
