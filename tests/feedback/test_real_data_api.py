"""Real third-party feedback sent through POST /api/v1/feedback/, with the counts checked exactly."""

import csv
import json
import os
from datetime import datetime
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from feedback.models import Feedback
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

SHARED_DATA = Path(
    os.environ.get("CXLOOP_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data")
)


def rows_of(relative: str):
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"{path} not found; set CXLOOP_SHARED_DATA to ../shared/data")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        yield from csv.DictReader(handle)


def send(client, items):
    """POST in batches of 1,000; the per-row statuses, in order."""
    statuses = []
    for start in range(0, len(items), 1000):
        response = client.post(
            "/api/v1/feedback/", data=json.dumps(items[start : start + 1000]), content_type="application/json"
        )
        assert response.status_code in (201, 207), response.content[:500]
        statuses += [row["status"] for row in response.json()]
    return statuses


@pytest.fixture
def api(people):
    client = APIClient()
    client.force_authenticate(people["admin"])
    return client


def test_airline_complaints_through_the_api(api):
    # given: 14,640 tweets; some tweet ids were published twice with the same text
    SourceFactory(slug="twitter", kind="social")
    items = [
        {
            "source": "twitter",
            "external_id": row["tweet_id"],
            "comment": row["text"],
            # This copy gives month/day/year times without an offset; the tweets were US Pacific.
            "occurred_at": datetime.strptime(
                row["tweet_created"] + " -0800", "%m/%d/%Y %H:%M %z"
            ).isoformat(),
            "metadata": {"airline": row["airline"], "reason": row["negativereason"]},
        }
        for row in rows_of("airline_tweets/Tweets.csv")
    ]
    # when
    statuses = send(api, items)
    # then
    assert len(items) == 14_640
    assert len({item["external_id"] for item in items}) == 14_485
    # 155 ids come twice: 118 repeat the tweet exactly, 37 carry another reason label (an update).
    counts = (statuses.count("created"), statuses.count("duplicate"), statuses.count("updated"))
    assert counts == (14_485, 118, 37)
    assert Feedback.objects.count() == 14_485


def test_retail_reviews_through_the_api(api):
    # given: ratings 1-5 as CSAT, the unnamed first column as the id
    SourceFactory(slug="shop-reviews", kind="review_site")
    items = [
        {
            "source": "shop-reviews",
            "external_id": row[""],
            "scale": "csat",
            "score": int(row["Rating"]),
            "comment": " ".join(part for part in (row["Title"], row["Review Text"]) if part),
            "metadata": {"department": row["Department Name"], "recommended": row["Recommended IND"] == "1"},
        }
        for row in rows_of("womens_clothing_reviews/Womens_Clothing_E-Commerce_Reviews_first1000.csv")
    ]
    # when
    statuses = send(api, items)
    # then
    assert statuses == ["created"] * 1000
    assert Feedback.objects.filter(scale="csat").count() == 1000
    assert sorted(Feedback.objects.values_list("score", flat=True).distinct()) == [1, 2, 3, 4, 5]
