"""The defaults that ship: case kinds, SLA policies, triage rules and message templates.

Migration 0002 created them once, from its own historical copy of these tables (a migration must not
import code that may change). This module is the current definition, on the real models: the demo
and any database emptied since (a test run's flush, an admin's clean-up) get them back from here.
Every row is editable by admins afterwards; `ensure_defaults` only creates what is missing.
"""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from feedback.models import Scale, SourceKind, ValueTier
from feedback.scales import CSAT_DETRACTOR_MAX, DETRACTOR_MAX

from .models import CaseKind, CaseRule, MessageTemplate, Priority, SlaPolicy

DETRACTOR_RECOVERY, COMPLAINT = "detractor_recovery", "complaint"
TOP_VALUE_SLA, DETRACTOR_SLA, COMPLAINT_SLA = "top-value-4h", "detractor-24h", "complaint-2-business-days"

# The defaults' data tables, one row to a line.
# fmt: off
KINDS = [
    (DETRACTOR_RECOVERY, gettext_noop("Detractor recovery"),
     "Call back a customer who would not recommend us."),
    (COMPLAINT, gettext_noop("Complaint"), "A complaint received on a complaint channel."),
    ("promoter_thanks", gettext_noop("Promoter thanks"), "Thank a promoter, and ask what made it great."),
    ("at_risk_customer", gettext_noop("At-risk customer"),
     "A valuable customer whose feedback signals they may leave."),
]
# slug, name, first contact minutes, resolution minutes, business hours only
SLAS = [
    (TOP_VALUE_SLA, "Top-value customers: first contact within 4 hours", 4 * 60, 3 * 24 * 60, False),
    (DETRACTOR_SLA, "Detractors: first contact within 24 hours", 24 * 60, 5 * 24 * 60, False),
    (COMPLAINT_SLA, "Complaints: first contact within 2 business days", 16 * 60, 10 * 8 * 60, True),
]
# position, name, conditions, kind, priority, sla
RULES: list[tuple[int, str, dict[str, Any], str, str, str]] = [
    (10, "Top-value NPS detractors",
     {"scales": [Scale.NPS], "score_min": 0, "score_max": DETRACTOR_MAX, "value_tiers": [ValueTier.TOP]},
     DETRACTOR_RECOVERY, Priority.URGENT, TOP_VALUE_SLA),
    (20, "NPS detractors", {"scales": [Scale.NPS], "score_min": 0, "score_max": DETRACTOR_MAX},
     DETRACTOR_RECOVERY, Priority.HIGH, DETRACTOR_SLA),
    (30, "Very dissatisfied (CSAT 1-2)",
     {"scales": [Scale.CSAT], "score_min": 1, "score_max": CSAT_DETRACTOR_MAX},
     DETRACTOR_RECOVERY, Priority.HIGH, DETRACTOR_SLA),
    (40, "Complaints on complaint channels",
     {"source_kinds": [SourceKind.CALL_CENTRE, SourceKind.RETURNS, SourceKind.EMAIL, SourceKind.SOCIAL,
                       SourceKind.REVIEW_SITE],
      "sentiment_max": -0.3},
     COMPLAINT, Priority.NORMAL, COMPLAINT_SLA),
]
# fmt: on
TEMPLATES = [
    (
        "sorry-we-let-you-down",
        "Sorry we let you down",
        "About your recent feedback",
        "Hello {customer_name},\n\nThank you for telling us how your experience went. I am sorry we let you "
        "down. I have read what you wrote and would like to put it right.\n\nYou can reply to this email, or "
        "tell me a good time to call you.\n\n{agent_name}\n{team_name}",
    ),
    (
        "what-we-did",
        "What we did about it",
        "What we did about your feedback",
        "Hello {customer_name},\n\nThank you again for your feedback. Here is what we have done about it:\n\n"
        "[describe what changed]\n\nIf anything is still not right, just reply.\n\n{agent_name}\n{team_name}",
    ),
    (
        "thank-you",
        "Thank you",
        "Thank you for your kind words",
        "Hello {customer_name},\n\nThank you for your kind words: I have passed them on to the team.\n\n"
        "{agent_name}\n{team_name}",
    ),
]

# The same templates in European Portuguese, for customers whose feedback is in Portuguese (the
# Lisbon contact centre's): same slugs, language "pt".
TEMPLATES_PT = [
    (
        "sorry-we-let-you-down",
        "Lamentamos tê-lo desiludido",
        "Sobre a sua opinião recente",
        "Olá {customer_name},\n\nObrigado por nos contar como correu a sua experiência. Lamento que não "
        "tenhamos estado à altura. Li o que escreveu e gostaria de resolver a situação.\n\nPode responder a "
        "este email ou dizer-me qual a melhor hora para lhe ligar.\n\n{agent_name}\n{team_name}",
    ),
    (
        "what-we-did",
        "O que fizemos",
        "O que fizemos com a sua opinião",
        "Olá {customer_name},\n\nObrigado, mais uma vez, pela sua opinião. Eis o que fizemos:\n\n"
        "[descreva o que mudou]\n\nSe ainda houver algo que não esteja bem, basta responder a este email."
        "\n\n{agent_name}\n{team_name}",
    ),
    (
        "thank-you",
        "Obrigado",
        "Obrigado pelas suas palavras simpáticas",
        "Olá {customer_name},\n\nObrigado pelas suas palavras simpáticas: já as partilhei com a equipa.\n\n"
        "{agent_name}\n{team_name}",
    ),
]


@transaction.atomic
def ensure_defaults() -> None:
    """Create the shipped case kinds, SLA policies and templates that are missing, and the rules when
    there are none at all (a rule someone deleted on purpose is not brought back beside the others)."""
    kinds = {
        slug: CaseKind.objects.get_or_create(slug=slug, defaults={"name": name, "description": text})[0]
        for slug, name, text in KINDS
    }
    slas = {
        slug: SlaPolicy.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "first_contact_minutes": first,
                "resolution_minutes": resolution,
                "business_hours_only": business,
            },
        )[0]
        for slug, name, first, resolution, business in SLAS
    }
    if not CaseRule.objects.exists():
        for position, name, conditions, kind, priority, sla in RULES:
            CaseRule.objects.create(
                position=position,
                name=name,
                case_kind=kinds[kind],
                priority=priority,
                sla_policy=slas[sla],
                routing=CaseRule.Routing.TOUCHPOINT,
                **conditions,
            )
    for language, templates in (("", TEMPLATES), ("pt", TEMPLATES_PT)):
        for slug, name, subject, body in templates:
            MessageTemplate.objects.get_or_create(
                slug=slug, language=language, defaults={"name": name, "subject": subject, "body": body}
            )
