"""Message templates for a case: the version in the customer's language, its text filled in.

A template's text carries placeholders ({customer_name}, {agent_name}, ...). Filling them for a
case gives the subject and body the agent reads and edits on the case page before sending; what
is sent is their edited text (innerloop.services.cases.case_message_customer), never text they
have not seen. A value the case does not have (an anonymous customer's name) is left as a visible
gap in square brackets, "[customer name]", for the agent to write in or remove: sending refuses a
text that still has a gap or a placeholder, so "{customer_name}" or "None" never reaches a customer.
"""

import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, gettext_lazy

from cxloop.core.exceptions import ApplicationError

from .models import Case, MessageTemplate

# The placeholders a template may use, and what each one's gap says when the case has no value.
PLACEHOLDERS = {
    "customer_name": gettext_lazy("customer name"),
    "agent_name": gettext_lazy("your name"),
    "team_name": gettext_lazy("team name"),
    "case_id": gettext_lazy("case number"),
    "feedback_date": gettext_lazy("date of the feedback"),
    "touchpoint": gettext_lazy("where it happened"),
}
# A placeholder left as typed, and a gap: a short text in square brackets that starts with a letter
# ("[customer name]", "[describe what changed]").
UNFILLED = re.compile(r"\{[a-z_]+\}")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
GAP = re.compile(r"\[\s*[^\W\d_][^\[\]\n]{0,80}\]")
SUBJECT_MAX, BODY_MAX = 200, 10_000


@dataclass(frozen=True)
class FilledTemplate:
    """A template's subject and body for one case, and the values it could not fill (their labels)."""

    slug: str
    name: str
    language: str
    subject: str
    body: str
    missing: list[str] = field(default_factory=list)


def case_language(case: Case) -> str:
    """The language to write to the case's customer in: their feedback's ("" when unknown)."""
    return (case.feedback.language or "").lower()


def _candidates(language: str) -> list[str]:
    """The template languages to try, best first: exact ("pt-br"), primary ("pt"), any ("")."""
    found = [language, language.split("-")[0], ""] if language else [""]
    return list(dict.fromkeys(found))


def templates_for_language(language: str) -> list[MessageTemplate]:
    """One version of each active template: the one in `language`, else the one for any language."""
    candidates = _candidates(language)
    chosen: dict[str, MessageTemplate] = {}
    for template in MessageTemplate.objects.filter(active=True, language__in=candidates):
        held = chosen.get(template.slug)
        if held is None or candidates.index(template.language) < candidates.index(held.language):
            chosen[template.slug] = template
    return sorted(chosen.values(), key=lambda template: (template.name.lower(), template.slug))


def templates_for_case(case: Case) -> list[MessageTemplate]:
    return templates_for_language(case_language(case))


def template_for_case(case: Case, slug: str) -> MessageTemplate | None:
    return next((template for template in templates_for_case(case) if template.slug == slug), None)


def _values(case: Case, actor) -> dict[str, str]:
    """Each placeholder's value for this case and agent; "" when the case does not have it."""
    customer, feedback = case.customer, case.feedback
    occurred = timezone.localtime(feedback.occurred_at, ZoneInfo(case.team.timezone))
    touchpoint = feedback.touchpoint
    return {
        "customer_name": (customer.name or "").strip() if customer and customer.erased_at is None else "",
        "agent_name": actor.get_full_name().strip() if actor is not None else "",
        "team_name": case.team.name,
        "case_id": str(case.pk),
        "feedback_date": formats.date_format(occurred, "DATE_FORMAT"),
        "touchpoint": touchpoint.name if touchpoint is not None else "",
    }


def template_fill(template: MessageTemplate, *, case: Case, actor) -> FilledTemplate:
    """The template's subject and body with the case's values in, in the template's language; a
    value the case lacks becomes a gap ("[customer name]") and is named in `missing`."""
    # A template for any language is written in the organisation's.
    language = template.language or settings.LANGUAGE_CODE
    with translation.override(language):
        values = _values(case, actor)
        missing: list[str] = []

        def put(match: re.Match) -> str:
            key = match.group(1)
            if key not in PLACEHOLDERS:
                return match.group(0)
            label = str(PLACEHOLDERS[key])
            if not values[key] and label not in missing:
                missing.append(label)
            return values[key] or f"[{label}]"

        def fill(text: str) -> str:
            # One pass: a value that itself looks like a placeholder ("{agent_name}" typed as a
            # customer's name) is inserted as written, never expanded.
            return PLACEHOLDER.sub(put, text)

        subject, body = fill(template.subject), fill(template.body)
    return FilledTemplate(
        slug=template.slug, name=template.name, language=template.language,
        subject=subject, body=body, missing=missing,
    )  # fmt: skip


def text_gaps(text: str) -> list[str]:
    """What in a text still waits to be written: placeholders left as typed, and gaps in brackets."""
    return [*UNFILLED.findall(text), *GAP.findall(text)]


def missing_note(filled: FilledTemplate) -> str:
    """What the case page says about a filled template's gaps ("" when it has none): the values the
    case lacks, and every gap to write in before sending (the template's own ones too)."""
    gaps = list(dict.fromkeys(text_gaps(filled.subject + "\n" + filled.body)))
    if not gaps:
        return ""
    said = gettext("Before sending, write in or remove %(gaps)s.") % {"gaps": ", ".join(gaps)}
    if filled.missing:
        lacks = ", ".join(f"[{label}]" for label in filled.missing)
        said = gettext("This case has no value for %(lacks)s.") % {"lacks": lacks} + " " + said
    return said


def unknown_placeholders(text: str) -> list[str]:
    """Placeholders a template's text uses that no case can fill (a typo: "{customer}")."""
    return [token for token in UNFILLED.findall(text) if token[1:-1] not in PLACEHOLDERS]


def message_text(filled, *, subject: str | None, body: str | None) -> tuple[str, str]:
    """The subject and body to send: the person's (read and edited on the case page) or, when they
    give none (the API may leave them out), the filled template's. Either must be complete: no gap
    left in brackets, no placeholder, never empty."""
    subject = subject.strip() if subject and subject.strip() else filled.subject.strip()
    body = body.replace("\r\n", "\n").strip() if body and body.strip() else filled.body.strip()
    errors: dict[str, list[str]] = {}
    for name, text, limit in (("subject", subject, SUBJECT_MAX), ("body", body, BODY_MAX)):
        gaps = text_gaps(text)
        if not text:
            errors[name] = [gettext("Write it: a message is never sent empty.")]
        elif len(text) > limit:
            errors[name] = [gettext("At most %(limit)s characters.") % {"limit": f"{limit:,}"}]
        elif gaps:
            errors[name] = [
                gettext("Fill in or remove %(gaps)s before sending.")
                % {"gaps": ", ".join(dict.fromkeys(gaps))}
            ]
    if "\n" in subject or "\r" in subject:
        errors.setdefault("subject", []).append(gettext("A subject is one line."))
    if errors:
        labels = {"subject": gettext("Subject"), "body": gettext("Message")}
        said = " ".join(f"{labels[name]}: {' '.join(texts)}" for name, texts in errors.items())
        raise ApplicationError(gettext("Not sent. %(reasons)s") % {"reasons": said}, errors)
    return subject, body
