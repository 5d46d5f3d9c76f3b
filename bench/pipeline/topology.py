"""The processes `make run` starts, started for a scenario, and HTTP clients with their credentials."""

import http.client
import json
import os
import threading
import time
import uuid
from pathlib import Path


class Topology:
    """`make run`'s processes (all of them, or some), with their output in log files."""

    def __init__(self, *, names: tuple[str, ...] | None = None, logs: Path) -> None:
        from cxloop.core.capacity import Sizing
        from cxloop.devstack.cli import run_programs

        self.port = _free_port()
        self.prefix = os.environ["CXLOOP_QUEUE_PREFIX"]
        env = {**os.environ, "PGAPPNAME": "cxloop-bench"}
        self.programs = [
            program
            for program in run_programs(env, Sizing.from_env(env), self.port)
            if names is None or program.name in names
        ]
        self.logs = logs
        self.procs: list = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "Topology":
        import subprocess

        for program in self.programs:
            log = open(self.logs / f"{program.name}.log", "ab")
            proc = subprocess.Popen(program.argv, env=program.env, stdout=log, stderr=subprocess.STDOUT)
            self.procs.append((program, proc, log))
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        import socket

        from cxloop.celery import HEARTBEAT_KEY_PREFIX
        from cxloop.core.health import redis_client

        deadline = time.monotonic() + 120
        host = socket.gethostname()
        nodes = [
            HEARTBEAT_KEY_PREFIX + p.name.removeprefix("worker-") + f"-{self.port}@{host}"
            for p, _, _ in self.procs
            if p.name.startswith("worker-")
        ]
        web = any(p.name == "web" for p, _, _ in self.procs)
        while time.monotonic() < deadline:
            dead = [p.name for p, proc, _ in self.procs if proc.poll() is not None]
            if dead:
                raise SystemExit(f"[pipeline] {', '.join(dead)} exited at start; see {self.logs}")
            workers_up = all(redis_client().exists(node) for node in nodes)
            if workers_up and (not web or _answers(self.base + "/healthz")):
                return
            time.sleep(0.5)
        raise SystemExit(f"[pipeline] processes not ready after 120 s; see {self.logs}")

    def __exit__(self, *exc) -> None:
        for _, proc, _ in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for _, proc, log in self.procs:
            try:
                proc.wait(timeout=40)
            except Exception:
                proc.kill()
            log.close()


def _free_port() -> int:
    from cxloop.devstack.servers import free_port

    return free_port()


def _answers(url: str) -> bool:
    from cxloop.devstack.cli import http_answers

    return http_answers(url)


# --- HTTP clients ---------------------------------------------------------------------------------


class Http:
    """One keep-alive connection per thread to the web server."""

    def __init__(self, base: str, headers: dict) -> None:
        self.host, self.port = base.removeprefix("http://").split(":")
        self.headers = headers
        self.local = threading.local()

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, bytes]:
        for attempt in (1, 2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection(self.host, int(self.port), timeout=60)
            try:
                payload = json.dumps(body) if body is not None else None
                conn.request(method, path, body=payload, headers={**self.headers, **(headers or {})})
                response = conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed a kept-alive connection (gunicorn's keep-alive timeout): reconnect
                # once; anything else is an error to report.
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def integration_key(source) -> str:
    from django.contrib.auth import get_user_model

    from cxloop.org.services import api_token_create

    admin = get_user_model().objects.get(username="admin")
    token, key = api_token_create(created_by=admin, name=f"bench {uuid.uuid4().hex[:6]}", integration=True)
    source.integration_tokens.add(token)
    return key


def sender_client(topology: "Topology", source) -> Http:
    """A client that sends feedback as an integration bound to the source."""
    key = integration_key(source)
    return Http(topology.base, {"Authorization": f"Token {key}", "Content-Type": "application/json"})


def personal_key(username: str) -> str:
    from django.contrib.auth import get_user_model

    from cxloop.org.services import api_token_create

    user = get_user_model().objects.get(username=username)
    return api_token_create(created_by=user, name=f"bench {uuid.uuid4().hex[:6]}")[1]


def session_cookie(username: str) -> str:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
