"""Feedback's part of the demo: reference data, customers and months of feedback, for an organisation
that cxloop.org.demo has just created. `manage.py seed_demo` (governance.demo) calls it second, in the
same transaction as every other part."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import Group, Permission

from cxloop.core.demo import demo_rng
from cxloop.core.pii import PERSONAL_DATA_CODENAME
from cxloop.org.demo import Organisation
from cxloop.org.models import Membership, Role
from feedback.models import Customer, Feedback, Source

from . import customers as customer_data
from . import emerging
from . import generator as feedback_data
from .pgcopy import copy_rows
from .reference import JOURNEY_STAGES, SOURCES, TOUCHPOINTS, reference_create
from .scenario import HISTORY_DAYS, Story
from .surveys import survey_demo_create

# Who calls customers back sees their contact details and what they wrote (cxloop.core.pii); managers
# and the committee work from masked copies.
FRONTLINE_ROLES = (Role.AGENT, Role.TEAM_LEAD)
CUSTOMER_CONTACT_GROUP = "Frontline: customer contact"


@dataclass(frozen=True)
class FeedbackDemo:
    """How much of each kind the feedback demo created."""

    sources: int
    touchpoints: int
    journey_stages: int
    categories: int
    customers: int
    feedback: int


def feedback_demo_present() -> bool:
    """Whether an earlier run already seeded the feedback demo (its NPS source exists)."""
    return Source.objects.filter(slug=SOURCES[0].slug).exists()


def feedback_demo_create(
    *,
    seed: int,
    organisation: Organisation,
    customers: int,
    feedback: int,
    end: datetime,
    days: int = HISTORY_DAYS,
    story: Story | None = None,
) -> FeedbackDemo:
    """Create the sources, touchpoints, taxonomy, `customers` customers and about `feedback` rows.

    `story` places the planted signals' episodes and any volume surges (by default each planted
    signal rises up to `end`, and nothing surges).
    """
    _customer_contact_grant(team_ids=organisation.team_ids)
    reference = reference_create(team_ids=organisation.team_ids)
    survey_demo_create()
    loaded = _customers_load(seed=seed, count=customers, team_ids=organisation.team_ids, end=end)
    generator = feedback_data.FeedbackGenerator(
        rng=demo_rng(seed=seed, part="feedback"),
        organisation=organisation,
        reference=reference,
        customer_ids=[pk for pk, _ in loaded],
        business_customer_ids=[pk for pk, segment in loaded if segment in customer_data.BUSINESS_SEGMENTS],
        total=feedback,
        end=end,
        days=days,
        story=story,
    )
    rows = copy_rows(model=Feedback, fields=feedback_data.COLUMNS, rows=generator.rows())
    # The planted emerging theme (emerging.py), from a generator of its own: the rows above stay the same.
    rows += copy_rows(
        model=Feedback,
        fields=feedback_data.COLUMNS,
        rows=emerging.emerging_rows(
            rng=demo_rng(seed=seed, part="emerging"),
            organisation=organisation,
            reference=reference,
            customer_ids=[pk for pk, _ in loaded],
            count=emerging.emerging_count(feedback=feedback),
            end=end,
        ),
    )
    return FeedbackDemo(
        sources=len(SOURCES),
        touchpoints=len(TOUCHPOINTS),
        journey_stages=len(JOURNEY_STAGES),
        categories=len(reference.categories),
        customers=len(loaded),
        feedback=rows,
    )


def _customer_contact_grant(*, team_ids: dict[str, int]) -> None:
    """The demo teams' frontline (agents and team leads) may see customers' personal data."""
    group, _ = Group.objects.get_or_create(name=CUSTOMER_CONTACT_GROUP)
    group.permissions.add(
        Permission.objects.get(codename=PERSONAL_DATA_CODENAME, content_type__app_label="feedback")
    )
    frontline = Membership.objects.filter(role__in=FRONTLINE_ROLES, team_id__in=team_ids.values())
    group.user_set.add(*frontline.values_list("user_id", flat=True))


def _customers_load(
    *, seed: int, count: int, team_ids: dict[str, int], end: datetime
) -> list[tuple[int, str]]:
    """COPY the demo customers in; returns their (id, segment) in external-id order."""
    copy_rows(
        model=Customer,
        fields=customer_data.COLUMNS,
        rows=customer_data.customer_rows(
            rng=demo_rng(seed=seed, part="customers"), count=count, team_ids=team_ids, end=end
        ),
    )
    return list(
        Customer.objects.filter(external_id__startswith=customer_data.EXTERNAL_ID_PREFIX)
        .order_by("external_id")
        .values_list("pk", "segment")
    )
