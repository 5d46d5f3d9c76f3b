"""The inner loop's models: cases (cases), the rules and reference data that open them (rules), team
huddles (huddles), imported by name."""

from innerloop.models.cases import (
    CASE_TRANSITIONS,
    CLAIMABLE_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseQuerySet,
    CaseStatus,
    ContactAttempt,
    ContactChannel,
    ContactOutcome,
    MessageTemplate,
    overdue_condition,
)
from innerloop.models.huddles import (
    HUDDLE_TRANSITIONS,
    MISSED_AFTER,
    WEEKDAYS,
    Commitment,
    CommitmentState,
    Huddle,
    HuddleCadence,
    HuddleEvent,
    HuddleStatus,
    Obstacle,
    TeamRise,
)
from innerloop.models.replies import CaseAttachment, CaseReply, RefusedAttachment, ReplyChannel
from innerloop.models.rules import PRIORITY_RANK, CaseKind, CaseRule, Priority, SlaPolicy
from innerloop.models.views import SavedView

__all__ = [
    "CASE_TRANSITIONS",
    "CLAIMABLE_STATUSES",
    "HUDDLE_TRANSITIONS",
    "MISSED_AFTER",
    "OPEN_STATUSES",
    "PRIORITY_RANK",
    "WEEKDAYS",
    "Case",
    "CaseAttachment",
    "CaseEvent",
    "CaseKind",
    "CaseQuerySet",
    "CaseReply",
    "CaseRule",
    "CaseStatus",
    "Commitment",
    "CommitmentState",
    "ContactAttempt",
    "ContactChannel",
    "ContactOutcome",
    "Huddle",
    "HuddleCadence",
    "HuddleEvent",
    "HuddleStatus",
    "MessageTemplate",
    "Obstacle",
    "Priority",
    "RefusedAttachment",
    "ReplyChannel",
    "SavedView",
    "SlaPolicy",
    "TeamRise",
    "overdue_condition",
]
