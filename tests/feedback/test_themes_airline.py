"""The theme clustering measured on labelled data: the shared airline complaints, reasons hidden.

Every negative tweet is clustered (those labelled "Can't Tell" too, as the noise real comments
carry); then each cluster's majority reason and its purity (the share of the cluster with that
reason) are read from the hidden labels. A reason is found when some cluster's majority reason is
it with purity at least 0.6. Recall: found reasons over the 9 definite reasons. Measured (k = 30,
random_state 0): 4 of 9 reasons found (Late Flight 0.91, Cancelled Flight 0.82, Customer Service
Issue 0.81, Lost Luggage 0.66), holding 67 % of the complaints; size-weighted purity 0.49 over all
clusters. The reasons not found (Bad Flight, Flight Booking Problems, Flight Attendant Complaints,
long lines, Damaged Luggage) are small or worded like customer-service complaints.
"""

import csv
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from feedback.themes.clustering import cluster_comments

SHARED_DATA = Path(
    os.environ.get("CXLOOP_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data")
)
PURITY = 0.6
UNLABELLED = "Can't Tell"


def _negative_tweets() -> tuple[list[str], list[str]]:
    path = SHARED_DATA / "airline_tweets" / "Tweets.csv"
    if not path.exists():
        pytest.skip(f"airline data set not found at {path}; set CXLOOP_SHARED_DATA to ../shared/data")
    texts, reasons = [], []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["airline_sentiment"] != "negative":
                continue
            # The published text leaks label words ("Cancelled Flightled", "Late Flightr"): keep only
            # the customer's own word.
            text = re.sub(r"(?i)cancelled flight(led)?", "cancelled", row["text"])
            texts.append(re.sub(r"(?i)late flight", "late", text))
            reasons.append(row["negativereason"])
    return texts, reasons


def _measure(texts: list[str], reasons: list[str]) -> tuple[dict[str, float], float]:
    """Best purity per reason among clusters whose majority it is; size-weighted purity of all."""
    clustering = cluster_comments(texts, random_state=0)
    assert clustering is not None
    best: dict[str, float] = {}
    weighted = 0.0
    for cluster in clustering.clusters:
        reason, count = Counter(reasons[i] for i in cluster.members).most_common(1)[0]
        purity = count / cluster.size
        best[reason] = max(best.get(reason, 0.0), purity)
        weighted += count
    return best, weighted / sum(cluster.size for cluster in clustering.clusters)


def test_airline_reasons_found_as_clusters_purity_at_least_0_6_recall_at_least_0_4():
    # given the negative tweets, their reasons hidden from the clustering
    texts, reasons = _negative_tweets()
    definite = sorted(set(reasons) - {UNLABELLED})

    # when
    best, weighted_purity = _measure(texts, reasons)

    # then at least 4 of the 9 reasons are some cluster's majority at purity 0.6 or more,
    found = [reason for reason in definite if best.get(reason, 0.0) >= PURITY]
    assert len(definite) == 9
    assert len(found) / len(definite) >= 0.4
    assert {"Late Flight", "Cancelled Flight", "Lost Luggage"} <= set(found)
    # they hold most of the complaints, and clusters are on the whole about one reason
    held = sum(1 for reason in reasons if reason in found) / len(reasons)
    assert held >= 0.6
    assert weighted_purity >= 0.45
