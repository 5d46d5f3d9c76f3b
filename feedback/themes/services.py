"""A person's decision on a proposed theme: accept it as a new category, merge it into an existing one,
or reject it with a reason.

Each decision locks the proposal, refuses one that is already decided or that the nightly job changed
since the person looked at it (its version, `theme_version`), writes one audit row (ids, slugs and
counts only) and, when it codes the theme's members (feedback.themes.members), asks the classifier to
learn from them once the transaction has committed.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from cxloop.core.exceptions import ApplicationError, NotPermitted, StateConflict
from cxloop.core.models import audit
from feedback.models import Category, Feedback, ThemeProposal, ThemeStatus

from .members import member_q
from .permissions import can_decide_themes

# Only these may still be decided; the rest have been.
UNDECIDED = frozenset({ThemeStatus.WATCHING, ThemeStatus.PROPOSED})
NAME_MAX: int = Category._meta.get_field("name").max_length or 120
SLUG_MAX: int = Category._meta.get_field("slug").max_length or 50
REASON_MAX = 2000
# How many slugs a new category tries when others take them at the same moment.
SLUG_ATTEMPTS = 5
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ThemeDecision:
    """A decided proposal and how many feedback items the decision coded."""

    proposal: ThemeProposal
    coded: int = 0


def theme_version(proposal: ThemeProposal) -> str:
    """The version of the proposal as a page shows it: the nightly job rewrites an undecided proposal's
    terms, label and examples only together with `last_seen_at`, so that instant names what was seen."""
    return str((proposal.last_seen_at - _EPOCH) // timedelta(microseconds=1))


def theme_check_version(*, proposal: ThemeProposal, seen: str | None) -> None:
    """Refuse when `seen` (the version the person looked at) is not the proposal's; None checks nothing."""
    if seen is not None and seen != theme_version(proposal):
        raise StateConflict(
            _("This theme changed since you looked at it: review it again; nothing was changed."),
            {"seen": ["changed"]},
        )


def _lock_undecided(*, proposal: ThemeProposal, actor, seen: str | None = None) -> ThemeProposal:
    """The proposal, locked, if `actor` may decide it, nobody has yet and it is still the version the
    person saw (`seen`, see theme_version); else a refusal saying why."""
    if not can_decide_themes(actor):
        raise NotPermitted(_("Only an administrator may decide proposed themes."))
    locked = (
        ThemeProposal.objects.select_for_update(no_key=True, of=("self",))
        .select_related("category", "last_run")
        .get(pk=proposal.pk)
    )
    if locked.status not in UNDECIDED:
        raise StateConflict(
            _("This theme has already been decided (%(status)s); nothing was changed.")
            % {"status": locked.get_status_display().lower()},
            {"status": [locked.status]},
        )
    theme_check_version(proposal=locked, seen=seen)
    return locked


def _code_members(*, proposal: ThemeProposal, category: Category) -> int:
    """Confirm `category` on every member of the proposal; how many were coded.

    One UPDATE whose WHERE is the membership rule itself, so an item somebody coded meanwhile (no
    longer uncoded) is left as they coded it.
    """
    return Feedback.objects.filter(member_q(proposal)).update(
        confirmed_category=category, updated_at=timezone.now()
    )


def _decide(*, proposal: ThemeProposal, status: str, actor, note: str = "", category=None) -> None:
    proposal.status = status
    proposal.category = category
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.decision_note = note
    proposal.validate_constraints()
    proposal.save(update_fields=["status", "category", "decided_by", "decided_at", "decision_note"])


def _retrain_after_commit() -> None:
    from feedback.tasks import category_model_train as category_model_train_task

    transaction.on_commit(category_model_train_task.delay)


def _unique_slug(name: str) -> str:
    base = slugify(name)[: SLUG_MAX - 8] or "theme"
    slug, n = base, 1
    while Category.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _category_create(*, name: str, parent: Category | None) -> Category:
    """The new category, saved under a free slug. The slug is unique in the database: when another
    decision takes it between the look-up and the insert, the name is checked again (theirs may be
    this very category) and the next free slug tried."""
    for _attempt in range(SLUG_ATTEMPTS):
        category = Category(name=name, parent=parent, slug=_unique_slug(name))
        category.full_clean(validate_unique=False)
        try:
            with transaction.atomic():
                category.save()
        except IntegrityError:
            _checked_new_category(name=name, parent=parent)
            continue
        return category
    raise StateConflict(
        _("Other categories were being added at the same moment: try again."), {"name": ["busy"]}
    )


def _checked_new_category(*, name: str, parent: Category | None) -> str:
    """The new category's name, cleaned, or a refusal naming the field."""
    name = " ".join((name or "").split())
    if not name:
        raise ApplicationError(_("Give the new category a name."), {"name": ["required"]})
    if len(name) > NAME_MAX:
        raise ApplicationError(
            _("A category's name has at most %(max)s characters.") % {"max": NAME_MAX}, {"name": ["too long"]}
        )
    if parent is not None and (parent.parent_id is not None or parent.retired_at is not None):
        raise ApplicationError(
            _("Choose a current top-level category as the parent (the taxonomy has two levels)."),
            {"parent": ["invalid"]},
        )
    if Category.objects.filter(parent=parent, name__iexact=name, retired_at__isnull=True).exists():
        raise ApplicationError(
            _("“%(name)s” already exists there: merge the theme into it instead.") % {"name": name},
            {"name": ["exists"]},
        )
    return name


@transaction.atomic
def theme_accept(
    *, proposal: ThemeProposal, name: str, parent: Category | None, actor, seen: str | None = None
) -> ThemeDecision:
    """Make the theme a new category under `parent`, code its members with it, and retrain.
    `seen`: the version the person confirmed (theme_version); a proposal changed since is refused."""
    proposal = _lock_undecided(proposal=proposal, actor=actor, seen=seen)
    category = _category_create(name=_checked_new_category(name=name, parent=parent), parent=parent)
    coded = _code_members(proposal=proposal, category=category)
    _decide(proposal=proposal, status=ThemeStatus.ACCEPTED, actor=actor, category=category)
    audit(actor=actor, verb="theme.accepted", target=proposal, category=category.slug, coded=coded)
    _retrain_after_commit()
    return ThemeDecision(proposal=proposal, coded=coded)


@transaction.atomic
def theme_merge(
    *, proposal: ThemeProposal, category: Category, actor, seen: str | None = None
) -> ThemeDecision:
    """Fold the theme into an existing current category: its members are coded with it; retrain.
    `seen`: as for theme_accept."""
    proposal = _lock_undecided(proposal=proposal, actor=actor, seen=seen)
    if category.retired_at is not None:
        raise ApplicationError(
            _("“%(category)s” is retired; choose a current category.") % {"category": category},
            {"category": ["retired"]},
        )
    coded = _code_members(proposal=proposal, category=category)
    _decide(proposal=proposal, status=ThemeStatus.MERGED, actor=actor, category=category)
    audit(actor=actor, verb="theme.merged", target=proposal, category=category.slug, coded=coded)
    _retrain_after_commit()
    return ThemeDecision(proposal=proposal, coded=coded)


@transaction.atomic
def theme_reject(*, proposal: ThemeProposal, reason: str, actor, seen: str | None = None) -> ThemeDecision:
    """Turn the theme down, saying why; nothing is coded. `seen`: as for theme_accept."""
    proposal = _lock_undecided(proposal=proposal, actor=actor, seen=seen)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why the theme is rejected."), {"reason": ["required"]})
    if len(reason) > REASON_MAX:
        raise ApplicationError(
            _("Keep the reason under %(max)s characters.") % {"max": REASON_MAX}, {"reason": ["too long"]}
        )
    _decide(proposal=proposal, status=ThemeStatus.REJECTED, actor=actor, note=reason)
    # The reason may quote customers: it stays on the proposal, out of the audit row.
    audit(actor=actor, verb="theme.rejected", target=proposal)
    return ThemeDecision(proposal=proposal)
