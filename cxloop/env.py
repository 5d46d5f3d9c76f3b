"""One environment reader for every settings module (HackSoft config/env.py)."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
