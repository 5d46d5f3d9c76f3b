"""Suggested categories learned from what people coded, with a keyword fallback.

The model is trained on comments whose category a person confirmed (later also on the root
causes recorded on cases), so it learns the organisation's own taxonomy rather than a generic
one. Until there is enough coded feedback, a keyword match against category names suggests a
category with a deliberately low confidence.
"""

import io
import logging
import re
from dataclasses import dataclass

from django.utils import timezone

logger = logging.getLogger(__name__)

# A suggestion at least this sure is shown as likely; a less sure one as a guess, and triage rules do
# not act on it by default (CaseRule.min_confidence starts here too).
LIKELY_SUGGESTION = 0.6
MIN_TRAINING_ITEMS = 50
MIN_ITEMS_PER_CATEGORY = 5
MAX_TRAINING_ITEMS = 50_000
KEYWORD_CONFIDENCE = 0.3
_WORD = re.compile(r"[a-z]{3,}")
_IGNORED_NAME_WORDS = frozenset({"and", "the", "with", "other", "general", "issue", "issues", "problem"})


@dataclass(frozen=True)
class Suggestion:
    category_id: int
    confidence: float


def train(*, texts: list[str], labels: list[int], measure: bool = True):
    """A TF-IDF + logistic regression pipeline, and (when `measure`) its accuracy on a held-out fifth."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline

    def pipeline():
        return make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=50_000),
            LogisticRegression(max_iter=1000, C=4.0),
        )

    accuracy = None
    if measure and len(texts) >= 100:
        x_train, x_test, y_train, y_test = train_test_split(
            texts, labels, test_size=0.2, random_state=0, stratify=labels
        )
        accuracy = float(pipeline().fit(x_train, y_train).score(x_test, y_test))
    return pipeline().fit(texts, labels), accuracy


def dumps(model) -> bytes:
    import joblib

    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=3)
    return buffer.getvalue()


def loads(blob: bytes):
    # Only blobs this code wrote to our own database are ever loaded (never user uploads).
    import joblib

    return joblib.load(io.BytesIO(bytes(blob)))


def predict_many(model, texts: list[str]) -> list[Suggestion | None]:
    """One suggestion per text (None for empty ones), in a single vectorised pass."""
    wanted = [i for i, text in enumerate(texts) if text.strip()]
    results: list[Suggestion | None] = [None] * len(texts)
    if not wanted:
        return results
    probabilities = model.predict_proba([texts[i] for i in wanted])
    for i, row in zip(wanted, probabilities, strict=True):
        best = int(row.argmax())
        results[i] = Suggestion(category_id=int(model.classes_[best]), confidence=round(float(row[best]), 4))
    return results


def keyword_index(categories) -> dict[int, frozenset[str]]:
    """Words of each category's own name (and its parent's), e.g. 'Late delivery' -> {late, delivery}."""
    index = {}
    for category in categories:
        words = set(_WORD.findall(category.name.lower()))
        if category.parent_id:
            words |= set(_WORD.findall(category.parent.name.lower()))
        index[category.pk] = frozenset(words - _IGNORED_NAME_WORDS)
    return index


def keyword_suggest(index: dict[int, frozenset[str]], text: str) -> Suggestion | None:
    """The category sharing the most name words with the comment, if at least two match."""
    words = set(_WORD.findall(text.lower()))
    best_id, best_hits = None, 1
    for category_id, keywords in index.items():
        hits = len(words & keywords)
        if hits > best_hits:
            best_id, best_hits = category_id, hits
    return Suggestion(best_id, KEYWORD_CONFIDENCE) if best_id else None


def stamp() -> str:
    return timezone.now().strftime("%Y-%m-%d %H:%M")
