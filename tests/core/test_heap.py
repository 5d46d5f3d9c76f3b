"""The web server's workers freeze what start-up loaded, so full collections skip it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_loading_the_wsgi_application_freezes_the_startup_heap():
    script = (
        "import gc\n"
        "import cxloop.wsgi\n"
        "import sys\n"
        "views = [name for name in sys.modules if name.endswith(('.views', '.apis'))]\n"
        "print(gc.get_freeze_count(), len(views))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cxloop.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    frozen, view_modules = map(int, result.stdout.split())
    # Django, DRF and every view module are loaded before the freeze, not by the first request.
    assert view_modules >= 5
    assert frozen > 50_000
