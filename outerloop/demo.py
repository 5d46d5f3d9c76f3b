"""The outer loop's part of the demo: its signals board as the nightly job leaves it.

`manage.py seed_demo` (governance.demo) calls it once the feedback and the case history are in,
so a fresh `make run` shows the planted root causes on /signals/ at once, not after the first
nightly run (or the hourly catch-up, outerloop.signals_detect_if_missed).
"""

from datetime import datetime

from .services.signals import DetectionResult, signals_detect


def detect_signals(*, end: datetime) -> DetectionResult:
    """Run the detection on the demo's last day; returns what it found."""
    return signals_detect(end=end)
