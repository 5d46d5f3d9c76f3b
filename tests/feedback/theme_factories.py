"""Proposed themes made by hand (what the nightly job leaves, feedback.themes), to test deciding them."""

from datetime import timedelta

import factory
from django.utils import timezone

from feedback.models import ThemeProposal, ThemeRun, ThemeStatus

BAGGAGE_TERMS = [["baggage", 0.9], ["carousel", 0.7], ["wait", 0.5], ["hour", 0.3], ["lost", 0.2]]


class ThemeProposalFactory(factory.django.DjangoModelFactory):
    """A proposed theme about waiting for baggage, first seen three days ago, grown from 4 to 12."""

    class Meta:
        model = ThemeProposal

    label = "baggage carousel wait"
    terms = factory.LazyFunction(lambda: [list(term) for term in BAGGAGE_TERMS])
    status = ThemeStatus.PROPOSED
    size = 12
    previous_size = 4
    example_ids = factory.LazyFunction(list)
    first_seen_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=3))
    last_seen_at = factory.LazyFunction(timezone.now)


class ThemeRunFactory(factory.django.DjangoModelFactory):
    """A finished nightly run that read the last 30 days."""

    class Meta:
        model = ThemeRun

    finished_at = factory.LazyFunction(timezone.now)
    window_start = factory.LazyFunction(lambda: timezone.now() - timedelta(days=30))
    window_end = factory.LazyFunction(timezone.now)
    comments = 1000
    clusters = 12
    proposed = 2
    seconds = 4.5
