"""What the "Proposed themes" page reads: the proposals awaiting a decision with their members now,
growth and example comments, the recent decisions, and the categories the forms offer."""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from feedback.models import Category, Feedback, ThemeProposal, ThemeStatus
from feedback.selectors import feedback_items_visible_to

from .members import theme_member_counts, top_terms
from .permissions import can_decide_themes

# The page shows at most this many proposals awaiting a decision (largest first), and decisions.
SHOWN = 20
RECENT_DECISIONS = 10
EXAMPLES = 3


@dataclass
class ThemeRow:
    """One proposal as the page shows it."""

    proposal: ThemeProposal
    title: str
    terms: list[str]
    members: int
    growth: int
    growth_percent: float | None
    examples: list[Feedback] = field(default_factory=list)
    # Filled by the page: the three decision forms.
    forms: dict = field(default_factory=dict)


def theme_title(proposal: ThemeProposal) -> str:
    """The theme's label as the pages show it: each of its comma-separated parts in quotes (“points”,
    “app”), for they are the customers' words, not names of ours (a bare "app" would read as a code)."""
    parts = [part.strip() for part in proposal.label.split(",") if part.strip()]
    return ", ".join(f"“{part}”" for part in parts) or "“”"


def themes_visible_to(*, user) -> QuerySet[ThemeProposal]:
    """Every proposal for those who may decide themes; none for anyone else."""
    if not can_decide_themes(user):
        return ThemeProposal.objects.none()
    return ThemeProposal.objects.select_related("category__parent", "decided_by", "last_run")


def theme_get(*, user, pk: int) -> ThemeProposal | None:
    """One proposal the user may decide, or None."""
    return themes_visible_to(user=user).filter(pk=pk).first()


def themes_proposed(*, user) -> list[ThemeRow]:
    """Proposals awaiting a decision, largest first, each with its members now and a few examples."""
    proposals = list(
        themes_visible_to(user=user)
        .filter(status=ThemeStatus.PROPOSED)
        .order_by("-size", "-last_seen_at")[:SHOWN]
    )
    counts = theme_member_counts(proposals=proposals)
    examples = _examples(user=user, proposals=proposals)
    rows = []
    for proposal in proposals:
        growth = proposal.size - proposal.previous_size
        rows.append(
            ThemeRow(
                proposal=proposal,
                title=theme_title(proposal),
                terms=top_terms(proposal),
                members=counts[proposal.pk],
                growth=growth,
                growth_percent=100.0 * growth / proposal.previous_size if proposal.previous_size else None,
                examples=examples.get(proposal.pk, []),
            )
        )
    return rows


def _examples(*, user, proposals: list[ThemeProposal]) -> dict[int, list[Feedback]]:
    """Each proposal's first EXAMPLES example comments the user may read one by one (never an
    anonymous employee answer, never an anonymised comment), in the job's order: one query."""
    wanted = {
        proposal.pk: [i for i in proposal.example_ids or [] if isinstance(i, int)] for proposal in proposals
    }
    ids = {i for chosen in wanted.values() for i in chosen}
    readable = feedback_items_visible_to(user=user).filter(pk__in=ids, comment_anonymised_at__isnull=True)
    items = readable.exclude(comment="").select_related("source").defer("search_vector").in_bulk()
    return {pk: [items[i] for i in chosen if i in items][:EXAMPLES] for pk, chosen in wanted.items()}


def themes_decided(*, user) -> list[tuple[ThemeProposal, str]]:
    """The latest decisions, newest first, each with its title."""
    decided = themes_visible_to(user=user).exclude(status__in=[ThemeStatus.PROPOSED, ThemeStatus.WATCHING])
    return [
        (proposal, theme_title(proposal)) for proposal in decided.order_by("-decided_at")[:RECENT_DECISIONS]
    ]


def themes_watching_count(*, user) -> int:
    """How many themes the job is following that have not grown enough to be proposed."""
    return themes_visible_to(user=user).filter(status=ThemeStatus.WATCHING).count()


def category_parents() -> QuerySet[Category]:
    """The current top-level categories: where a new category may go."""
    return Category.objects.filter(parent__isnull=True, retired_at__isnull=True).order_by("name")


def category_choices() -> QuerySet[Category]:
    """Every current category, to merge a theme into."""
    return (
        Category.objects.filter(retired_at__isnull=True)
        .select_related("parent")
        .order_by("parent__name", "name")
    )
