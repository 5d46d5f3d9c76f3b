"""Sensible defaults that ship: case kinds, SLA policies, triage rules and message templates.

Every row is editable by admins afterwards; this only creates what is missing.
"""

from django.db import migrations

KINDS = [
    ("detractor_recovery", "Detractor recovery", "Call back a customer who would not recommend us."),
    ("complaint", "Complaint", "A complaint received on a complaint channel."),
    ("promoter_thanks", "Promoter thanks", "Thank a promoter, and ask what made it great."),
    ("at_risk_customer", "At-risk customer", "A valuable customer whose feedback signals they may leave."),
]
# slug, name, first contact minutes, resolution minutes, business hours only
SLAS = [
    ("top-value-4h", "Top-value customers: first contact within 4 hours", 4 * 60, 3 * 24 * 60, False),
    ("detractor-24h", "Detractors: first contact within 24 hours", 24 * 60, 5 * 24 * 60, False),
    ("complaint-2-business-days", "Complaints: first contact within 2 business days", 16 * 60, 10 * 8 * 60, True),
]
# position, name, conditions, kind, priority, sla
RULES = [
    (10, "Top-value NPS detractors", {"scales": ["nps"], "score_min": 0, "score_max": 6, "value_tiers": ["top"]},
     "detractor_recovery", "urgent", "top-value-4h"),
    (20, "NPS detractors", {"scales": ["nps"], "score_min": 0, "score_max": 6},
     "detractor_recovery", "high", "detractor-24h"),
    (30, "Very dissatisfied (CSAT 1-2)", {"scales": ["csat"], "score_min": 1, "score_max": 2},
     "detractor_recovery", "high", "detractor-24h"),
    (40, "Complaints on complaint channels",
     {"source_kinds": ["call_centre", "returns", "email", "social", "review_site"], "sentiment_max": -0.3},
     "complaint", "normal", "complaint-2-business-days"),
]  # fmt: skip
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


def create_defaults(apps, schema_editor):
    CaseKind = apps.get_model("innerloop", "CaseKind")
    SlaPolicy = apps.get_model("innerloop", "SlaPolicy")
    CaseRule = apps.get_model("innerloop", "CaseRule")
    MessageTemplate = apps.get_model("innerloop", "MessageTemplate")
    kinds = {
        slug: CaseKind.objects.get_or_create(slug=slug, defaults={"name": name, "description": text})[0]
        for slug, name, text in KINDS
    }
    slas = {
        slug: SlaPolicy.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name, "first_contact_minutes": first, "resolution_minutes": resolution,
                "business_hours_only": business,
            },
        )[0]
        for slug, name, first, resolution, business in SLAS
    }  # fmt: skip
    if not CaseRule.objects.exists():
        for position, name, conditions, kind, priority, sla in RULES:
            CaseRule.objects.create(
                position=position, name=name, case_kind=kinds[kind], priority=priority,
                sla_policy=slas[sla], routing="touchpoint", **conditions,
            )  # fmt: skip
    for slug, name, subject, body in TEMPLATES:
        MessageTemplate.objects.get_or_create(slug=slug, defaults={"name": name, "subject": subject, "body": body})


class Migration(migrations.Migration):
    dependencies = [("innerloop", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
