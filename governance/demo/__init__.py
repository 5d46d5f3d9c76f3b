"""The demo: `demo_seed` seeds every app's part in order (seed.py); governance's own part is the
steering committee (committee.py) and its past meetings and decisions (history.py).
`manage.py seed_demo` is the command."""

from .committee import seed_committee
from .seed import SeedResult, demo_data_present, demo_seed

__all__ = ["SeedResult", "demo_data_present", "demo_seed", "seed_committee"]
