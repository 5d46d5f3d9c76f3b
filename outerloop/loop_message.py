"""Reads for telling a rolled-out initiative's customers: who gets the email and what it says.

The selectors of closing the loop (kept apart from selectors.py for its size): the page's preview
and the service that sends (outerloop.services.close_loop) compose the email here, so the preview
is exactly what is sent.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, gettext_noop

from cxloop.core.exceptions import ApplicationError
from feedback.models import Customer, Feedback
from innerloop.models import Case, MessageTemplate

from .models import Initiative, InitiativeEvent, SignalKind

# An administrator may word the body (innerloop's message templates, this slug); the subject and
# "what we changed" are the sender's. {initiative_title} in a template gets the sender's subject:
# an initiative's title is an internal label and never goes to a customer.
CLOSE_LOOP_TEMPLATE = "initiative-rolled-out"
# The fixed words of the email, in English here and in each customer's language when sent (locale/).
DEFAULT_SUBJECT = gettext_noop("We have made a change because of what you told us")
DEFAULT_BODY = gettext_noop(
    "Hello {customer_name},\n\nYou told us about a problem with us recently. It was not just you, and "
    "we have now changed how we work:\n\n{what_changed}\n\nThank you for telling us.\n"
)
# Translators: the greeting of a customer whose name we do not know ("Hello there,").
NO_NAME = gettext_noop("there")
SUBJECT_MAX = 200


@dataclass(frozen=True)
class LoopMessage:
    subject: str
    body: str


@dataclass(frozen=True)
class LanguagePreview:
    """The email in one language, and how many customers get it in that language."""

    code: str
    name: str
    recipients: int
    sample: LoopMessage | None


@dataclass(frozen=True)
class LoopPreview:
    """What sending would do now: the email one customer gets, and how many get one."""

    recipients: int
    not_contacted: int  # asked not to be contacted (feedback.contact): not told
    without_email: int  # affected, but we hold no email address for them
    staff: int
    sample: LoopMessage | None  # the first recipient's email; None when nobody can be written to
    languages: list[LanguagePreview] = field(default_factory=list)  # one per language with recipients


def default_language() -> str:
    return settings.LANGUAGE_CODE


def other_languages() -> list[str]:
    """The languages besides the organisation's in which a customer can be written to."""
    return [code for code, _name in settings.LANGUAGES if code != default_language()]


def language_name(code: str) -> str:
    return translation.get_language_info(code)["name_translated"]


def customer_language(code: str) -> str:
    """One of our languages for a feedback's language tag ("pt-PT" -> "pt"); else the default."""
    base = (code or "").lower().replace("_", "-").split("-")[0]
    return base if base in other_languages() else default_language()


def recipient_languages(customers: QuerySet[Customer]) -> dict[int, str]:
    """Each customer's language: that of their latest feedback that names one. One query."""
    latest = (
        Feedback.objects.filter(customer__in=customers.values("pk"))
        .exclude(language="")
        .order_by("customer_id", "-occurred_at")
        .distinct("customer_id")
        .values_list("customer_id", "language")
    )
    return {customer_id: customer_language(language) for customer_id, language in latest}


def affected_customers(*, initiative: Initiative) -> QuerySet[Customer]:
    """Customers with a case whose root cause is a signal's category and whose feedback fell in its window."""
    condition = Q(pk__in=[])
    for signal in initiative.signals.filter(kind=SignalKind.ROOT_CAUSE, category__isnull=False):
        window = Q(cases__root_cause_id=signal.category_id)
        if signal.window_start and signal.window_end:
            window &= Q(
                cases__feedback__occurred_at__gte=signal.window_start,
                cases__feedback__occurred_at__lt=signal.window_end,
            )
        condition |= window
    return Customer.objects.filter(condition).distinct().order_by("pk")


def staff_to_tell(initiative: Initiative):
    categories = initiative.signals.filter(kind=SignalKind.ROOT_CAUSE, category__isnull=False).values(
        "category_id"
    )
    raisers = initiative.signals.exclude(raised_by=None).values_list("raised_by", flat=True)
    coders = (
        Case.objects.filter(root_cause__in=categories, customer__in=affected_customers(initiative=initiative))
        .exclude(assignee=None)
        .values_list("assignee", flat=True)
    )
    return get_user_model().objects.filter(Q(pk__in=raisers) | Q(pk__in=coders)).distinct()


def internal_labels(*, initiative: Initiative) -> list[str]:
    """The labels staff see that mean nothing to a customer: its signals' titles and categories."""
    labels: set[str] = set()
    for signal in initiative.signals.select_related("category__parent"):
        labels.add(signal.title)
        if signal.category is not None and signal.category.parent_id is not None:
            labels.add(str(signal.category))  # "Website / Checkout error"; a bare leaf may be plain words
    return sorted(label for label in labels if label.strip())


def close_loop_text_check(initiative: Initiative, *, subject: str, what_changed: str) -> tuple[str, str]:
    subject, what_changed = subject.strip(), what_changed.strip()
    if not subject:
        raise ApplicationError(gettext("Write the email's subject."), {"subject": ["required"]})
    if "\n" in subject or "\r" in subject:
        raise ApplicationError(gettext("A subject is one line."), {"subject": ["line break"]})
    if len(subject) > SUBJECT_MAX:
        raise ApplicationError(
            gettext("Keep the subject under %(max)s characters.") % {"max": SUBJECT_MAX},
            {"subject": ["too long"]},
        )
    if not what_changed:
        raise ApplicationError(
            gettext("Write what we changed, in words a customer understands."), {"what_changed": ["required"]}
        )
    for field_name, text in (("subject", subject), ("what_changed", what_changed)):
        for label in internal_labels(initiative=initiative):
            if label.casefold() in text.casefold():
                raise ApplicationError(
                    gettext("“%(label)s” is our internal label: say it in words a customer understands.")
                    % {"label": label},
                    {field_name: ["internal label"]},
                )
    return subject, what_changed


Texts = dict[str, tuple[str, str]]  # language -> (subject, what changed)


def close_loop_texts_check(initiative: Initiative, *, texts: Texts, languages_needed: set[str]) -> Texts:
    """Each language's subject and text, checked; a language some recipients need must be written."""
    checked: Texts = {}
    for code in [default_language(), *other_languages()]:
        subject, what_changed = texts.get(code, ("", ""))
        if (
            code != default_language()
            and code not in languages_needed
            and not (subject or what_changed).strip()
        ):
            continue
        if code != default_language() and not (subject.strip() and what_changed.strip()):
            raise ApplicationError(
                gettext(
                    "Some customers get this email in %(language)s: "
                    "write its subject and text in %(language)s."
                )
                % {"language": language_name(code)},
                {f"what_changed_{code}": ["required"]},
            )
        checked[code] = close_loop_text_check(initiative, subject=subject, what_changed=what_changed)
    return checked


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def close_loop_message(
    *, subject: str, what_changed: str, customer: Customer, language: str | None = None
) -> LoopMessage:
    """The email to one customer, its fixed words in `language` (the organisation's by default)."""
    language = language or default_language()
    templates = MessageTemplate.objects.filter(slug=CLOSE_LOOP_TEMPLATE, active=True)
    template = templates.filter(language=language).first()
    if template is None and language == default_language():
        # An "any language" template is written in the organisation's language: another language
        # gets the translated default rather than English words around its own text.
        template = templates.filter(language="").first()
    with translation.override(language):
        values = {
            "customer_name": customer.name or gettext(NO_NAME),
            "initiative_title": subject,
            "what_changed": what_changed,
        }
        body = template.body if template else gettext(DEFAULT_BODY)
    return LoopMessage(subject=subject, body=_fill(body, values))


def default_subject(language: str) -> str:
    with translation.override(language):
        return gettext(DEFAULT_SUBJECT)


def close_loop_recipients(initiative: Initiative) -> QuerySet[Customer]:
    return affected_customers(initiative=initiative).exclude(email="").filter(do_not_contact=False)


def close_loop_told(*, initiative: Initiative) -> InitiativeEvent | None:
    """The record of the customers being told, once they have been."""
    return (
        initiative.events.filter(kind=InitiativeEvent.Kind.LOOP_CLOSED)
        .select_related("actor")
        .order_by("created_at")
        .first()
    )


def close_loop_refusal(*, initiative: Initiative) -> str | None:
    """Why the customers cannot be told now, or None when they can."""
    if initiative.rolled_out_at is None:
        return gettext("Tell the customers once the initiative is rolled out.")
    told = close_loop_told(initiative=initiative)
    if told is not None:
        by = told.actor.get_full_name() or told.actor.username if told.actor else gettext("someone")
        when = formats.date_format(timezone.localtime(told.created_at), "DATE_FORMAT")
        return gettext("The customers were told on %(date)s by %(person)s: only once.") % {
            "date": when,
            "person": by,
        }
    return None


def close_loop_preview(
    *, initiative: Initiative, subject: str, what_changed: str, translations: Texts | None = None
) -> LoopPreview:
    """The exact email the first recipient of each language would get, and how many would get one."""
    affected = affected_customers(initiative=initiative)
    recipients = close_loop_recipients(initiative)
    languages = recipient_languages(recipients)
    counts: dict[str, int] = {}
    firsts: dict[str, Customer] = {}
    for customer in recipients:
        code = languages.get(customer.pk, default_language())
        counts[code] = counts.get(code, 0) + 1
        firsts.setdefault(code, customer)
    texts = close_loop_texts_check(
        initiative, texts={default_language(): (subject, what_changed), **(translations or {})},
        languages_needed=set(counts),
    )  # fmt: skip
    previews = [
        LanguagePreview(
            code=code,
            name=language_name(code),
            recipients=counts[code],
            sample=close_loop_message(
                subject=texts[code][0], what_changed=texts[code][1], customer=firsts[code], language=code
            ),
        )
        for code in texts
        if code in counts
    ]
    return LoopPreview(
        recipients=sum(counts.values()),
        not_contacted=affected.exclude(email="").filter(do_not_contact=True).count(),
        without_email=affected.filter(email="").count(),
        staff=staff_to_tell(initiative).count(),
        sample=previews[0].sample if previews else None,
        languages=previews,
    )
