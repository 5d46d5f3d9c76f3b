"""The demo's survey that cxloop sends itself: a transactional NPS survey after a store purchase,
by email, in English and Portuguese (answers arrive as the demo's NPS survey source)."""

from feedback.models import Source, Survey, SurveyText, Touchpoint

DEMO_SURVEY = "store-purchase-nps"

TEXTS = {
    "en": {
        "question": "How likely are you to recommend us to a friend or colleague?",
        "comment_question": "What is the main reason for your score?",
        "follow_ups": ["What could we have done better?"],
        "email_subject": "How was your visit?",
        "email_intro": "Thank you for shopping with us. One question, one click: how did we do?",
        "reminder_subject": "A last reminder: how was your visit?",
        "sms_text": "How was your visit? One tap to tell us: {link}",
    },
    "pt": {
        "question": "Qual a probabilidade de nos recomendar a um amigo ou colega?",
        "comment_question": "Qual é o principal motivo da sua avaliação?",
        "follow_ups": ["O que poderíamos ter feito melhor?"],
        "email_subject": "Como correu a sua visita?",
        "email_intro": "Obrigado pela sua compra. Uma pergunta, um clique: como nos saímos?",
        "reminder_subject": "Um último lembrete: como correu a sua visita?",
        "sms_text": "Como correu a sua visita? Diga-nos com um toque: {link}",
    },
}


def survey_demo_create() -> Survey:
    """The demo NPS survey and its texts (once: a second run finds them)."""
    survey, _ = Survey.objects.get_or_create(
        slug=DEMO_SURVEY,
        defaults={
            "name": "Store purchase NPS",
            "source": Source.objects.get(slug="nps-survey"),
            "touchpoint": Touchpoint.objects.filter(slug="store-checkout").first(),
            "scale": Survey._meta.get_field("scale").default,
            "days_between_this": 90,
            "days_between_any": 14,
            "sample_percent": 100,
            "daily_cap": 2000,
        },
    )
    for language, text in TEXTS.items():
        SurveyText.objects.get_or_create(survey=survey, language=language, defaults=text)
    employee_survey_demo_create()
    return survey


# An employee pulse survey (eNPS and what gets in the way), sent to staff from its page (H4).
EMPLOYEE_SURVEY = "staff-pulse"
EMPLOYEE_TEXTS = {
    "en": {
        "question": "How likely are you to recommend working here to a friend?",
        "comment_question": "What gets in the way of serving our customers well?",
        "email_subject": "Two questions about your work (anonymous)",
        "email_intro": "Your answer is anonymous: it is never linked to you, and results are shown only for "
        "groups of at least 5.",
    },
    "pt": {
        "question": "Qual a probabilidade de recomendar a um amigo trabalhar aqui?",
        "comment_question": "O que o impede de servir bem os nossos clientes?",
        "email_subject": "Duas perguntas sobre o seu trabalho (anónimas)",
        "email_intro": "A sua resposta é anónima: nunca fica ligada a si, e os resultados só são mostrados "
        "para grupos de pelo menos 5 pessoas.",
    },
}


def employee_survey_demo_create() -> Survey:
    """The demo's employee pulse survey (answers arrive as the employee-voice source)."""
    survey, _ = Survey.objects.get_or_create(
        slug=EMPLOYEE_SURVEY,
        defaults={
            "name": "Staff pulse",
            "audience": Survey.Audience.EMPLOYEES,
            "source": Source.objects.get(slug="employee-voice"),
            "days_between_this": 80,
            "days_between_any": 0,
            "reminder_after_hours": 72,
        },
    )
    for language, text in EMPLOYEE_TEXTS.items():
        SurveyText.objects.get_or_create(survey=survey, language=language, defaults=text)
    return survey
