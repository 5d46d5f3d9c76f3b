"""What the feedback app announces to the apps above it, which it may not import.

Each receiver is connected in one place, cxloop/wiring.py, the list of every hand-off between apps.
"""

from django.dispatch import Signal

# Sent inside the enrichment's transaction, with `feedback_ids`: the items it just enriched. Sent
# robustly (a receiver that fails is logged, never undoes the enrichment); a receiver defers its
# own work to after the commit, so it reads what was committed.
feedback_enriched = Signal()
