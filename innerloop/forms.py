"""The case page's forms: they render and parse the HTML encoding of the case actions' inputs; the
action table's serializers (innerloop.actions) validate them, as they validate the API's."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from cxloop.core.actions import ActionForm
from feedback.models import Category

from .actions import MANUAL_STATUSES, team_people
from .message_templates import BODY_MAX, SUBJECT_MAX, templates_for_language
from .models import ContactAttempt, MessageTemplate

__all__ = [
    "AllowContactForm", "BulkAssignForm", "ContactForm", "DoNotContactForm", "MessageForm", "NoteForm",
    "ReopenForm", "ResolveForm", "StatusForm", "VersionedForm", "team_people",
]  # fmt: skip


class VersionedForm(ActionForm):
    # The case version the person was looking at: a change made meanwhile makes the edit stale.
    version = forms.IntegerField(widget=forms.HiddenInput)


class ContactForm(VersionedForm):
    channel = forms.ChoiceField(
        label=_("Channel"), choices=ContactAttempt.Channel.choices, initial=ContactAttempt.Channel.PHONE
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ContactAttempt.Outcome.choices)
    promised = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("What was promised")
    )
    next_step = forms.CharField(required=False, max_length=500, label=_("Next step"))


class MessageForm(VersionedForm):
    """The message as the person will send it: a template's text is put into the subject and body
    (by "Use template", or on choosing it with JavaScript) for them to read and edit first."""

    # Chosen in the page's template picker (its own small form: choosing fills this form's text);
    # carried here so that what is sent names the template it started from.
    template = forms.ChoiceField(
        label=_("Template"),
        widget=forms.HiddenInput,
        error_messages={"required": _("Choose a template and press Use template, then read the text.")},
    )
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    body = forms.CharField(label=_("Message"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 10}))

    def __init__(self, *args, templates: list[MessageTemplate] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if templates is None:  # the versions for any language (a page passes the case's own)
            templates = templates_for_language("")
        field = cast(forms.ChoiceField, self.fields["template"])
        field.choices = [("", _("Choose a template")), *((t.slug, t.name) for t in templates)]

    def clean_body(self) -> str:
        # Browsers send a textarea's lines ended with CR LF; the email has LF.
        return self.cleaned_data["body"].replace("\r\n", "\n")


class ResolveForm(VersionedForm):
    root_cause = forms.ModelChoiceField(
        queryset=Category.objects.filter(retired_at__isnull=True)
        .select_related("parent")
        .order_by("parent__name", "name"),
        to_field_name="slug",
        label=_("Root cause"),
    )
    resolution_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label=_("How it was resolved")
    )
    recovery_score = forms.IntegerField(
        required=False, min_value=0, max_value=10, label=_("Recovery check: the customer's score now (0-10)")
    )


class StatusForm(VersionedForm):
    to_status = forms.ChoiceField(label=_("New status"), choices=MANUAL_STATUSES)


class ReopenForm(VersionedForm):
    reason = forms.CharField(label=_("Why it is reopened"), max_length=500)


class NoteForm(ActionForm):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)


class DoNotContactForm(ActionForm):
    # The confirmation: a person says what they are recording (the action has no other input).
    confirm = forms.BooleanField(label=_("The customer asked not to be contacted"))


class AllowContactForm(ActionForm):
    confirm = forms.BooleanField(label=_("The customer agreed to be contacted again"))


class BulkAssignForm(ActionForm):
    cases: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, label=_("Cases")
    )
    assignee: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, empty_label=_("Unassigned"), label=_("Assign to")
    )

    def __init__(self, *args, cases, people, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["cases"]).queryset = cases
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = people
