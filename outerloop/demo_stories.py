"""The initiatives of the demo (outerloop.demo): six months of the outer loop, one in every stage.

Each started from a root cause at a touchpoint, went to the committee a week later and, once
approved, moved through the stages at the weeks given (weeks before the demo's end). Committee
meetings are every four weeks (governance.demo.history); `decided_weeks_ago` names the one that
decided. The call-back service is the one whose roll-out the demo's feedback remembers
(feedback.demo.scenario.FIXED_CAUSE): its impact review finds the change in the data.
"""

from dataclasses import dataclass

from feedback.demo.scenario import FIX_WEEKS, FIXED_CAUSE

from .models import Stage

APPROVE, DEFER, REJECT = "approved", "deferred", "rejected"


@dataclass(frozen=True)
class InitiativeStory:
    title: str
    problem: str
    category: str
    touchpoint: str
    # The owner is the first department's manager.
    departments: tuple[str, ...]
    target_metric: str
    proposed_weeks_ago: int
    # None: still waiting for the committee (a vote is open at its next meeting).
    decided_weeks_ago: int | None
    outcome: str
    rationale: str
    # One choice a seat, in the seats' order (departments by name).
    votes: tuple[str, ...] = ()
    stages: tuple[tuple[str, int], ...] = ()
    milestones: tuple[tuple[str, int, bool], ...] = ()
    what_changed: str = ""
    impact_review: bool = False

    @property
    def decided_stage(self) -> str:
        return self.outcome or Stage.PROPOSED

    @property
    def final_stage(self) -> str:
        return self.stages[-1][0] if self.stages else self.decided_stage


STORIES: tuple[InitiativeStory, ...] = (
    InitiativeStory(
        title="Call-backs instead of holding on the phone line",
        problem="Callers wait on hold for twenty minutes and more at busy times, and many hang up and "
        "call again. Long waits are the first thing phone detractors mention, and the share kept rising.",
        category=FIXED_CAUSE.category,
        touchpoint=FIXED_CAUSE.touchpoints[0],
        departments=("customer-care",),
        target_metric="NPS at the contact centre phone line; mentions of long waits",
        proposed_weeks_ago=25,
        decided_weeks_ago=24,
        outcome=APPROVE,
        rationale="The biggest single reason for phone detractors, and a fix we can pilot on one shift.",
        votes=(APPROVE, APPROVE, APPROVE, APPROVE),
        stages=(
            (Stage.DESIGN, 23),
            (Stage.PRE_TEST, 21),
            (Stage.DEVELOP, 18),
            (Stage.CUSTOMER_TEST, 14),
            (Stage.ROLLED_OUT, FIX_WEEKS),
            (Stage.IMPACT_REVIEWED, 1),
        ),
        milestones=(
            ("Pilot call-backs on the Leeds evening shift", 15, True),
            ("Offer a call-back on every phone queue", FIX_WEEKS, True),
        ),
        what_changed="When the line is busy you can now choose a call-back instead of holding: you keep "
        "your place in the queue and we ring you, usually within the hour.",
        impact_review=True,
    ),
    InitiativeStory(
        title="Say why a promotion code does not apply, before payment",
        problem="Customers find out at the last step that a code does not cover their basket, and "
        "leave or call us to ask why.",
        category="promo-code",
        touchpoint="website-checkout",
        departments=("digital",),
        target_metric="Checkout NPS; promotion complaints per 1,000 feedback",
        proposed_weeks_ago=21,
        decided_weeks_ago=20,
        outcome=APPROVE,
        rationale="Cheap to build and it removes a steady source of calls.",
        votes=(APPROVE, APPROVE, DEFER, APPROVE),
        stages=(
            (Stage.DESIGN, 18),
            (Stage.PRE_TEST, 15),
            (Stage.DEVELOP, 12),
            (Stage.CUSTOMER_TEST, 7),
            (Stage.ROLLED_OUT, 3),
        ),
        milestones=(("Test the new basket message with twenty customers", 8, True),),
        what_changed="The basket now tells you which items a code covers and why it does not apply, "
        "before you pay.",
    ),
    InitiativeStory(
        title="A text reminder the evening before a delivery slot",
        problem="Customers miss their delivery slot because they forgot it, and the second attempt "
        "costs us a van trip and them a day at home.",
        category="missed-delivery-slot",
        touchpoint="delivery",
        departments=("logistics-returns", "customer-care"),
        target_metric="Missed-slot complaints; second delivery attempts",
        proposed_weeks_ago=17,
        decided_weeks_ago=16,
        outcome=APPROVE,
        rationale="Both departments pay for a missed slot; the text provider is already contracted.",
        votes=(APPROVE, APPROVE, APPROVE, DEFER),
        stages=((Stage.DESIGN, 14), (Stage.PRE_TEST, 11), (Stage.DEVELOP, 8), (Stage.CUSTOMER_TEST, 3)),
        milestones=(
            ("Reminder wording agreed with the couriers", 9, True),
            ("Trial with customers in two postcode areas", 1, False),
        ),
    ),
    InitiativeStory(
        title="Check store stock in the app before you travel",
        problem="Customers travel to a store for an item the website showed, and it is not there.",
        category="out-of-stock",
        touchpoint="shop-floor",
        departments=("retail-stores", "digital"),
        target_metric="Out-of-stock mentions on the shop floor",
        proposed_weeks_ago=13,
        decided_weeks_ago=12,
        outcome=APPROVE,
        rationale="Approved for stores with live stock counts first; the others follow in the new year.",
        votes=(APPROVE, DEFER, APPROVE, APPROVE),
        stages=((Stage.DESIGN, 10), (Stage.PRE_TEST, 7), (Stage.DEVELOP, 4)),
        milestones=(("Live stock feed from the pilot stores", 2, False),),
    ),
    InitiativeStory(
        title="Product guides for store colleagues",
        problem="Shop-floor colleagues cannot answer questions about ranges they were never trained on.",
        category="staff-knowledge",
        touchpoint="shop-floor",
        departments=("retail-stores",),
        target_metric="Product-knowledge complaints in stores",
        proposed_weeks_ago=9,
        decided_weeks_ago=8,
        outcome=APPROVE,
        rationale="Colleagues asked for it in their huddles; quick to try in three stores.",
        votes=(APPROVE, APPROVE, APPROVE, APPROVE),
        stages=((Stage.DESIGN, 6), (Stage.PRE_TEST, 2)),
    ),
    InitiativeStory(
        title="Stronger packaging for fragile items",
        problem="Glass and ceramics arrive broken, and each one costs a replacement and a collection.",
        category="damaged-parcel",
        touchpoint="delivery",
        departments=("logistics-returns",),
        target_metric="Damaged-parcel complaints",
        proposed_weeks_ago=5,
        decided_weeks_ago=4,
        outcome=APPROVE,
        rationale="Replacements cost more than the packaging.",
        votes=(APPROVE, APPROVE, APPROVE, APPROVE),
        stages=((Stage.DESIGN, 2),),
    ),
    InitiativeStory(
        title="A new online returns portal",
        problem="Returning online takes too many steps and customers give up and come to a store.",
        category="returns-hassle",
        touchpoint="online-returns",
        departments=("logistics-returns",),
        target_metric="Returns NPS",
        proposed_weeks_ago=17,
        decided_weeks_ago=16,
        outcome=DEFER,
        rationale="Wait until the new warehouse is running, then look again with its returns process.",
        votes=(DEFER, APPROVE, DEFER, DEFER),
    ),
    InitiativeStory(
        title="Move phone callers to live chat",
        problem="The phone line is expensive and chat handles simple questions faster.",
        category="unresolved-issue",
        touchpoint="contact-centre-phone",
        departments=("customer-care",),
        target_metric="Cost per contact",
        proposed_weeks_ago=13,
        decided_weeks_ago=12,
        outcome=REJECT,
        rationale="The customers who call are those who most need a person; fix the waiting instead.",
        votes=(REJECT, REJECT, DEFER, REJECT),
    ),
    InitiativeStory(
        title="Fix the payment step broken by the last release",
        problem="Since the last release, payments fail at the last step on the website and in the app, "
        "and the complaints keep rising.",
        category="checkout-error",
        touchpoint="website-checkout",
        departments=("digital",),
        target_metric="Checkout errors per 1,000 feedback",
        proposed_weeks_ago=1,
        decided_weeks_ago=None,
        outcome="",
        rationale="Rising fast across two channels; the committee decides at its next meeting.",
        votes=(APPROVE,),
    ),
)
