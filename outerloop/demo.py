"""The outer loop's part of the demo: its signals board as the nightly job leaves it.

Called by seed_demo (settings.CXLOOP_DEMO_SEED_HOOKS) once the feedback and the case history are in,
so a fresh `make run` shows the planted root causes on /signals/ at once, not after the first
nightly run (or the hourly catch-up, outerloop.signals_detect_if_missed).
"""

from datetime import datetime

from .services.signals import DetectionResult, signals_detect


def detect_signals(*, seed: int, end: datetime, live_days: int) -> DetectionResult:
    """Run the detection on the demo's last day; returns what it found."""
    return signals_detect(end=end)
