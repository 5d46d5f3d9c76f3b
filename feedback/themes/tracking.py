"""Night to night: this run's clusters matched to the theme proposals by their terms, and updated.

A cluster matches the proposal whose terms are most alike (weighted Jaccard at least
ThemeParams.match_similarity), each proposal at most once a run, the most alike pairs first.
- No match: a new proposal, WATCHING, or PROPOSED at once when it grows; not created at all when the
  cluster is mostly coded already (ThemeParams.covered_share).
- WATCHING: terms, label, size and examples follow the cluster; PROPOSED when it grows and is not
  mostly coded.
- PROPOSED: the same updates; it stays PROPOSED until a person decides (feedback.themes.services).
- ACCEPTED, MERGED, REJECTED: a person decided, so only size, previous_size and last seen move; the
  terms stay those the person decided on, so the same theme keeps matching and is never proposed
  again (a rejected theme stays rejected). A theme whose words change enough to stop matching is a
  new cluster, and starts WATCHING like any other.
WATCHING proposals not seen for PRUNE_AFTER are deleted: nobody was ever asked about them.
"""

from datetime import datetime, timedelta

from django.db import transaction

from feedback.models import ThemeProposal, ThemeRun, ThemeStatus

from .clustering import term_similarity
from .growth import FoundTheme, ThemeParams

PRUNE_AFTER = timedelta(days=60)
# A re-run on the same night keeps previous_size: it is the size at the previous night's sighting.
SAME_NIGHT = timedelta(hours=12)
DECIDED = frozenset({ThemeStatus.ACCEPTED, ThemeStatus.MERGED, ThemeStatus.REJECTED})
OPEN = frozenset({ThemeStatus.WATCHING, ThemeStatus.PROPOSED})


def match(
    themes: list[FoundTheme], proposals: list[ThemeProposal], *, threshold: float
) -> dict[int, ThemeProposal]:
    """Theme position -> its proposal, one to one, the most alike pairs first."""
    pairs = sorted(
        (
            (term_similarity(theme.terms, proposal.terms), index, proposal.pk)
            for index, theme in enumerate(themes)
            for proposal in proposals
        ),
        key=lambda pair: (-pair[0], pair[1], pair[2]),
    )
    by_pk = {proposal.pk: proposal for proposal in proposals}
    matched: dict[int, ThemeProposal] = {}
    taken: set[int] = set()
    for similarity, index, pk in pairs:
        if similarity < threshold:
            break
        if index in matched or pk in taken:
            continue
        matched[index] = by_pk[pk]
        taken.add(pk)
    return matched


@transaction.atomic
def proposals_track(*, themes: list[FoundTheme], run: ThemeRun, now: datetime, params: ThemeParams) -> int:
    """Update, create and prune the proposals from this run's themes; returns how many became PROPOSED."""
    # Locked, so a decision a person takes meanwhile (the decision services lock the row too) stands.
    proposals = list(ThemeProposal.objects.select_for_update().order_by("pk"))
    matched = match(themes, proposals, threshold=params.match_similarity)
    proposed = 0
    for index, theme in enumerate(themes):
        proposal = matched.get(index)
        if proposal is None:
            if theme.covered(params=params):
                continue
            proposed += _create(theme, run=run, now=now, params=params)
        else:
            proposed += _update(proposal, theme, run=run, now=now, params=params)
    ThemeProposal.objects.filter(status=ThemeStatus.WATCHING, last_seen_at__lt=now - PRUNE_AFTER).delete()
    return proposed


def _create(theme: FoundTheme, *, run: ThemeRun, now: datetime, params: ThemeParams) -> int:
    grows = theme.growing(params=params)
    ThemeProposal.objects.create(
        label=theme.label,
        terms=theme.terms,
        status=ThemeStatus.PROPOSED if grows else ThemeStatus.WATCHING,
        size=theme.size,
        previous_size=0,
        example_ids=theme.example_ids,
        first_seen_at=now,
        last_seen_at=now,
        last_run=run,
    )
    return int(grows)


def _update(
    proposal: ThemeProposal, theme: FoundTheme, *, run: ThemeRun, now: datetime, params: ThemeParams
) -> int:
    fields = ["size", "previous_size", "last_seen_at", "last_run"]
    if proposal.last_seen_at <= now - SAME_NIGHT:
        proposal.previous_size = proposal.size
    proposal.size, proposal.last_seen_at, proposal.last_run = theme.size, now, run
    became = 0
    if proposal.status in OPEN:
        proposal.terms, proposal.label, proposal.example_ids = theme.terms, theme.label, theme.example_ids
        fields += ["terms", "label", "example_ids"]
        grows = theme.growing(params=params)
        if proposal.status == ThemeStatus.WATCHING and grows and not theme.covered(params=params):
            proposal.status = ThemeStatus.PROPOSED
            fields.append("status")
            became = 1
    proposal.save(update_fields=fields)
    return became
