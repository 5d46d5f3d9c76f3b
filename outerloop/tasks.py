"""Celery interfaces of the outer loop: thin, taking ids."""

from celery import shared_task


@shared_task(name="outerloop.signals_detect_if_missed")
def signals_detect_if_missed() -> dict | None:
    """Hourly: run the detection now when the nightly run was missed (none finished in 26 hours)."""
    from outerloop.services.signals import detection_missed

    return signals_detect() if detection_missed() else None


@shared_task(name="outerloop.signals_detect")
def signals_detect() -> dict:
    """The nightly detection run (also started from the signals board and `manage.py signals_detect`)."""
    from outerloop.services.signals import signals_detect as detect
    from outerloop.services.signals import signals_from_obstacles

    result = detect()
    obstacles = signals_from_obstacles()
    return {
        "cells": result.cells,
        "created": result.created,
        "updated": result.updated,
        "obstacles": obstacles,
    }


@shared_task(name="outerloop.impact_review_compute")
def impact_review_compute(*, initiative_id: int) -> int:
    from outerloop.models import Initiative
    from outerloop.services.impact import impact_review_compute as compute

    return compute(initiative=Initiative.objects.get(pk=initiative_id)).pk


@shared_task(name="outerloop.impact_reviews_due")
def impact_reviews_due() -> int:
    """Review every initiative rolled out at least eight weeks ago that has no review yet."""
    from outerloop.models import Initiative
    from outerloop.services.impact import impact_review_compute as compute
    from outerloop.services.impact import impact_reviews_due_ids

    ids = impact_reviews_due_ids()
    for initiative in Initiative.objects.filter(pk__in=ids):
        compute(initiative=initiative)
    return len(ids)
