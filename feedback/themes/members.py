"""Which feedback belongs to a proposed theme: the one definition, used for the counts and examples of
the "Proposed themes" page and for the items coded when a person accepts or merges a theme.

An item is a **member** of a proposal when
1. it is **uncoded**, the nightly job's input (feedback.themes.selection.uncoded_q) with its
   comment still there (not empty, not anonymised): no confirmed category, no suggestion the
   classifier is sure of (a confidence below feedback.models.MENTION_CONFIDENCE, or none), and no
   case opened for it carries a root cause; in short, nothing counts it as a mention of any
   category (feedback.models.mention_q);
2. it occurred in the proposal's **window**: from the earlier of its first sighting and the start of
   the window its latest run read, until now (comments that arrived after the last run and before
   the decision belong to the theme as much as those the job saw);
3. its comment **matches at least two of the theme's top terms** (TOP_TERMS, strongest first; all of
   them when the theme has fewer than two), by PostgreSQL full-text search over the stored
   `search_vector` (English stemming, so "delayed" matches "delay"). A term of several words matches
   when all its words do. The rule is written as one tsquery, the OR of every pair of terms, which
   the GIN index on `search_vector` answers.

Anonymous employee answers can be members (their themes count like anyone's) but are never shown as
examples (feedback.models.anonymous_answer_q).
"""

from datetime import datetime
from itertools import combinations

from django.contrib.postgres.search import SearchQuery
from django.db.models import Count, Q, QuerySet

from feedback.models import Feedback, ThemeProposal

from .selection import uncoded_q

# How many of the proposal's strongest terms the rule looks at, and how many must match.
TOP_TERMS = 5
TERMS_TO_MATCH = 2
SEARCH_CONFIG = "english"


def member_base_q() -> Q:
    """What can be a member at all: the nightly job's input (selection.uncoded_q, its one home), with
    its comment still there (not empty, not anonymised)."""
    return uncoded_q() & ~Q(comment="") & Q(comment_anonymised_at__isnull=True)


def top_terms(proposal: ThemeProposal) -> list[str]:
    """The proposal's strongest terms as text, strongest first (at most TOP_TERMS)."""
    terms = []
    for entry in proposal.terms or []:
        term = entry[0] if isinstance(entry, list | tuple) and entry else entry
        if isinstance(term, str) and term.strip():
            terms.append(term.strip())
    return terms[:TOP_TERMS]


def window_start(proposal: ThemeProposal) -> datetime:
    """Where the proposal's window begins: its first sighting, or earlier if its last run read back more."""
    run = proposal.last_run
    if run is not None and run.window_start < proposal.first_seen_at:
        return run.window_start
    return proposal.first_seen_at


def terms_query(terms: list[str]) -> SearchQuery | None:
    """The tsquery "at least TERMS_TO_MATCH of `terms`": the OR of every such combination."""
    if not terms:
        return None
    need = min(TERMS_TO_MATCH, len(terms))
    query: SearchQuery | None = None
    for group in combinations(terms, need):
        part = SearchQuery(group[0], search_type="plain", config=SEARCH_CONFIG)
        for term in group[1:]:
            part = part & SearchQuery(term, search_type="plain", config=SEARCH_CONFIG)
        query = part if query is None else query | part
    return query


def member_q(proposal: ThemeProposal) -> Q:
    """The membership rule of one proposal as a condition on Feedback (nothing, when it has no terms)."""
    query = terms_query(top_terms(proposal))
    if query is None:
        return Q(pk__in=[])
    return member_base_q() & Q(occurred_at__gte=window_start(proposal)) & Q(search_vector=query)


def theme_members(*, proposal: ThemeProposal) -> QuerySet[Feedback]:
    """The feedback that belongs to `proposal` now (all teams: deciding a theme is organisation-wide)."""
    return Feedback.objects.filter(member_q(proposal))


def theme_member_counts(*, proposals: list[ThemeProposal]) -> dict[int, int]:
    """How many members each proposal has now: one query for them all (conditional counts over the
    items any of them could hold, which the search index finds)."""
    queries = [query for query in (terms_query(top_terms(p)) for p in proposals) if query is not None]
    if not queries:
        return {proposal.pk: 0 for proposal in proposals}
    anyone = queries[0]
    for query in queries[1:]:
        anyone = anyone | query
    earliest = min(window_start(proposal) for proposal in proposals)
    candidates = Feedback.objects.filter(member_base_q(), occurred_at__gte=earliest, search_vector=anyone)
    counts = candidates.aggregate(
        **{f"p{proposal.pk}": Count("pk", filter=member_q(proposal)) for proposal in proposals}
    )
    return {proposal.pk: counts[f"p{proposal.pk}"] or 0 for proposal in proposals}
