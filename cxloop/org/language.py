"""A language per person: the page where they choose it, the write, and the middleware that uses it.

A person's choice (org Preference; blank means the organisation's default, LANGUAGE_CODE) is read
once, at sign-in, and kept in the session, so pages cost no extra query; choosing on the page
refreshes it. Another device's session picks up a change at its next sign-in.
"""

from typing import cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from cxloop.core.models import audit

from .models import Preference

# {"user": the person's id, "language": their code, "" for the organisation's default}
SESSION_KEY = "cxloop_language"


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def language_of(user) -> str:
    """The language a person works in: their own choice, or the organisation's default."""
    chosen = Preference.objects.filter(user=user).values_list("language", flat=True).first()
    return chosen if chosen in language_codes() else ""


def languages_of(*, user_ids) -> dict[int, str]:
    """Each person's language for what is written to them (notifications, emails): one query."""
    chosen = dict(Preference.objects.filter(user_id__in=user_ids).values_list("user_id", "language"))
    return {
        user_id: chosen[user_id] if chosen.get(user_id) in language_codes() else settings.LANGUAGE_CODE
        for user_id in user_ids
    }


@transaction.atomic
def preference_language_set(*, user, language: str) -> Preference:
    """Set a person's interface language ("" for the organisation's default), with an audit row."""
    if language and language not in language_codes():
        raise ValueError(f"Unknown language {language!r}")
    preference, _created = Preference.objects.select_for_update().get_or_create(user=user)
    previous = preference.language
    if previous != language:
        preference.language = language
        preference.save(update_fields=["language"])
        audit(actor=user, verb="preference.language_changed", target=preference, to=language or "default")
    return preference


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_(
            "The language of every page you see. Customers still get messages in their own language."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default = translation.get_language_info(settings.LANGUAGE_CODE)["name_translated"]
        field = cast(forms.ChoiceField, self.fields["language"])
        # Each language by its own name ("English", "Português"), as people look for it.
        field.choices = [
            ("", _("The organisation's default (%(language)s)") % {"language": default}),
            *((code, translation.get_language_info(code)["name_local"]) for code in language_codes()),
        ]
        field.error_messages["invalid_choice"] = _("Choose one of the languages in the list.")


def _remember(request, language: str) -> None:
    request.session[SESSION_KEY] = {"user": request.user.pk, "language": language}


@receiver(user_logged_in, dispatch_uid="cxloop_language_on_login")
def language_on_login(sender, request, user, **kwargs) -> None:
    """Read the person's language once, at sign-in, so no page has to (the middleware uses it)."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = {"user": user.pk, "language": language_of(user)}


@require_http_methods(["GET", "POST"])
def language_view(request):
    """A person chooses the language of their interface."""
    current = language_of(request.user)
    form = LanguageForm(request.POST or None, initial={"language": current})
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        preference_language_set(user=request.user, language=language)
        _remember(request, language)
        with translation.override(language or settings.LANGUAGE_CODE):
            messages.success(request, gettext("Your language is saved."))
        return redirect("org:language")
    status = 400 if form.errors else 200
    return TemplateResponse(request, "org/language.html", {"form": form}, status=status)


class PersonLanguageMiddleware:
    """Activates a signed-in person's language, read once per session (after LocaleMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            remembered = request.session.get(SESSION_KEY)
            if not isinstance(remembered, dict) or remembered.get("user") != user.pk:
                remembered = {"user": user.pk, "language": language_of(user)}
                request.session[SESSION_KEY] = remembered
            language = remembered["language"] or settings.LANGUAGE_CODE
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
