"""The feedback app's models, one module per purpose, each imported here by name.

record: the feedback itself and what it is coded against; imports and webhooks: the intake
channels' own bookkeeping; metrics: the rollup cache the database triggers keep.
"""

from feedback.models.deliveries import LOG_DAYS, DeliveryStatus, WebhookDelivery
from feedback.models.imports import ImportFormat, ImportJob, ImportRowError, ImportStatus
from feedback.models.metrics import (
    COUNTER_FIELDS,
    CellCounts,
    FeedbackDailyRollup,
    FeedbackPeriodRollup,
    FeedbackRollupPending,
    Grain,
    RollupCounts,
)
from feedback.models.privacy import ErasedCustomerKey, RetentionPolicy
from feedback.models.record import (
    Category,
    CategoryModel,
    Customer,
    Feedback,
    FeedbackQuerySet,
    JourneyStage,
    Scale,
    Source,
    SourceKind,
    Touchpoint,
    ValueTier,
    anonymous_answer_q,
    employee_sources,
    is_anonymous_answer,
    without_anonymous_rows,
)
from feedback.models.surveys import (
    InvitationStatus,
    InvitationTrigger,
    SuppressionReason,
    Survey,
    SurveyAudience,
    SurveyChannel,
    SurveyInvitation,
    SurveyPurpose,
    SurveyText,
)
from feedback.models.themes import ThemeProposal, ThemeRun, ThemeStatus
from feedback.models.value import CustomerTransaction, TransactionKind
from feedback.models.webhooks import MAX_BODY_BYTES, DeadLetterStatus, WebhookDeadLetter

__all__ = [
    "COUNTER_FIELDS",
    "LOG_DAYS",
    "MAX_BODY_BYTES",
    "Category",
    "CategoryModel",
    "CellCounts",
    "Customer",
    "CustomerTransaction",
    "DeadLetterStatus",
    "DeliveryStatus",
    "ErasedCustomerKey",
    "Feedback",
    "FeedbackDailyRollup",
    "FeedbackPeriodRollup",
    "FeedbackQuerySet",
    "FeedbackRollupPending",
    "Grain",
    "ImportFormat",
    "ImportJob",
    "ImportRowError",
    "ImportStatus",
    "InvitationStatus",
    "InvitationTrigger",
    "JourneyStage",
    "RetentionPolicy",
    "RollupCounts",
    "Scale",
    "Source",
    "SourceKind",
    "SuppressionReason",
    "Survey",
    "SurveyAudience",
    "SurveyChannel",
    "SurveyInvitation",
    "SurveyPurpose",
    "SurveyText",
    "ThemeProposal",
    "ThemeRun",
    "ThemeStatus",
    "Touchpoint",
    "TransactionKind",
    "ValueTier",
    "WebhookDeadLetter",
    "WebhookDelivery",
    "anonymous_answer_q",
    "employee_sources",
    "is_anonymous_answer",
    "without_anonymous_rows",
]
