import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    shutil.which("docker-compose") is None,
    reason="docker-compose is not installed (apt-get install docker-compose)",
)
def test_compose_file_is_valid_and_demands_its_secrets():
    env = {**os.environ, "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "cx.example.org", "POSTGRES_PASSWORD": "pw"}
    ok = subprocess.run(["docker-compose", "config", "-q"], cwd=ROOT, env=env, capture_output=True, text=True)
    del env["SECRET_KEY"]
    missing = subprocess.run(
        ["docker-compose", "config", "-q"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    assert missing.returncode != 0
    assert "SECRET_KEY" in missing.stderr
