"""Training the category classifier and suggesting categories with it."""

import logging
from collections import Counter

from django.db import transaction

from feedback.enrichment import classifier
from feedback.models import Category, CategoryModel, Feedback

logger = logging.getLogger(__name__)

MODELS_KEPT = 3
_loaded: dict = {"id": None, "model": None}


def category_model_train() -> CategoryModel | None:
    """Train on what people coded; None while there is too little to learn from."""
    rows = list(
        Feedback.objects.filter(confirmed_category__isnull=False, confirmed_category__retired_at__isnull=True)
        .exclude(comment="")
        .order_by("-occurred_at")
        .values_list("comment", "confirmed_category_id")[: classifier.MAX_TRAINING_ITEMS]
    )
    counts = Counter(label for _, label in rows)
    rows = [(text, label) for text, label in rows if counts[label] >= classifier.MIN_ITEMS_PER_CATEGORY]
    labels = {label for _, label in rows}
    if len(rows) < classifier.MIN_TRAINING_ITEMS or len(labels) < 2:
        logger.info("category model not trained: %s coded items in %s categories", len(rows), len(labels))
        return None
    model, accuracy = classifier.train(texts=[t for t, _ in rows], labels=[label for _, label in rows])
    with transaction.atomic():
        trained = CategoryModel.objects.create(
            trained_on=len(rows), categories=len(labels), accuracy=accuracy, blob=classifier.dumps(model)
        )
        stale = CategoryModel.objects.order_by("-created_at").values_list("pk", flat=True)[MODELS_KEPT:]
        CategoryModel.objects.filter(pk__in=list(stale)).delete()
    logger.info("category model %s trained on %s items, accuracy %s", trained.pk, len(rows), accuracy)
    return trained


def _current_model():
    """The newest trained model, loaded once per process and reloaded when a newer one exists."""
    latest = CategoryModel.objects.order_by("-created_at").values_list("pk", flat=True).first()
    if latest is None:
        return None
    if _loaded["id"] != latest:
        blob = CategoryModel.objects.values_list("blob", flat=True).get(pk=latest)
        _loaded.update(id=latest, model=classifier.loads(blob))
    return _loaded["model"]


def category_suggestions(*, texts: list[str]) -> list[classifier.Suggestion | None]:
    """A suggestion per text: the trained model when there is one, else category-name keywords."""
    model = _current_model()
    active = set(Category.objects.filter(retired_at__isnull=True).values_list("pk", flat=True))
    if model is not None:
        suggestions = classifier.predict_many(model, texts)
        return [s if s is not None and s.category_id in active else None for s in suggestions]
    index = classifier.keyword_index(
        Category.objects.filter(retired_at__isnull=True, parent__isnull=False).select_related("parent")
    )
    return [classifier.keyword_suggest(index, text) for text in texts]
