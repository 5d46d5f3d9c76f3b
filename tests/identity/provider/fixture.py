"""The test OpenID provider, started on loopback for the single sign-on tests (a fixture plugin)."""

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

SETTINGS = "tests.identity.provider.settings"
CLIENT_ID = "cxloop-test"
CLIENT_SECRET = "cxloop-test-secret"
ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Provider:
    url: str
    env: dict[str, str]

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "django", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )

    def allow_redirect(self, uri: str) -> None:
        self.manage("idp", "client", "--id", CLIENT_ID, "--secret", CLIENT_SECRET, "--redirect-uri", uri)

    def add_user(self, username: str, password: str, groups: list[str]) -> None:
        self.manage("idp", "user", username, "--password", password, "--groups", ",".join(groups))

    def set_groups(self, username: str, groups: list[str]) -> None:
        self.manage("idp", "groups", username, "--groups", ",".join(groups))

    def remove_user(self, username: str) -> None:
        self.manage("idp", "remove", username)

    def deactivate_user(self, username: str) -> None:
        self.manage("idp", "deactivate", username)


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """A django-oidc-provider server on 127.0.0.1:<free port>, with cxloop registered as a client."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "IDP_DB": str(tmp_path_factory.mktemp("idp") / "idp.sqlite3"), "IDP_URL": url}
    env["DJANGO_SETTINGS_MODULE"] = SETTINGS
    provider = Provider(url=url, env=env)
    provider.manage("migrate", "--noinput")
    provider.manage("idp", "client", "--id", CLIENT_ID, "--secret", CLIENT_SECRET)
    server = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(f"{url}/.well-known/openid-configuration", server)
        yield provider
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_until_up(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the test identity provider exited on start")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the test identity provider did not start within 30 s")


@pytest.fixture
def sso(settings, oidc_provider):
    """cxloop configured to sign in through the test provider."""
    settings.CXLOOP_OIDC_SERVER_URL = oidc_provider.url
    settings.CXLOOP_OIDC_CLIENT_ID = CLIENT_ID
    settings.CXLOOP_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.CXLOOP_OIDC_NAME = "Test IdP"
    return oidc_provider
