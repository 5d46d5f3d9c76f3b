import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def production_env(**overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="cxloop.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="cxloop.example.org",
    )
    env.update(overrides)
    return env


def test_production_settings_pass_deploy_checks():
    # when
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    # then
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_have_no_default_secret():
    # given
    env = production_env()
    del env["SECRET_KEY"]
    # when
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    # then
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_demo_data_is_refused_in_production():
    # given: production settings pointing at the test run's database server
    env = production_env(SECURE_SSL_REDIRECT="false")
    # when
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    # then
    assert result.returncode != 0
    assert "refuses to run with production settings" in result.stderr
