"""The case page's forms: they render and parse the HTML encoding of the case actions' inputs; the
action table's serializers (innerloop.actions) validate them, as they validate the API's."""

from typing import cast

from django import forms

from cxloop.core.actions import ActionForm
from feedback.models import Category

from .actions import MANUAL_STATUSES, team_people
from .models import ContactAttempt, MessageTemplate

__all__ = [
    "AllowContactForm", "BulkAssignForm", "ContactForm", "DoNotContactForm", "MessageForm", "NoteForm",
    "ReopenForm", "ResolveForm", "StatusForm", "VersionedForm", "team_people",
]  # fmt: skip


class VersionedForm(ActionForm):
    # The case version the person was looking at: a change made meanwhile makes the edit stale.
    version = forms.IntegerField(widget=forms.HiddenInput)


class ContactForm(VersionedForm):
    channel = forms.ChoiceField(choices=ContactAttempt.Channel.choices, initial=ContactAttempt.Channel.PHONE)
    outcome = forms.ChoiceField(choices=ContactAttempt.Outcome.choices)
    promised = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="What was promised"
    )
    next_step = forms.CharField(required=False, max_length=500, label="Next step")


class MessageForm(VersionedForm):
    template = forms.ModelChoiceField(
        queryset=MessageTemplate.objects.filter(active=True), to_field_name="slug"
    )
    body = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Leave empty to send the template as it is.",
    )


class ResolveForm(VersionedForm):
    root_cause = forms.ModelChoiceField(
        queryset=Category.objects.filter(retired_at__isnull=True)
        .select_related("parent")
        .order_by("parent__name", "name"),
        to_field_name="slug",
        label="Root cause",
    )
    resolution_note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="How it was resolved")
    recovery_score = forms.IntegerField(
        required=False, min_value=0, max_value=10, label="Recovery check: the customer's score now (0-10)"
    )


class StatusForm(VersionedForm):
    to_status = forms.ChoiceField(choices=MANUAL_STATUSES)


class ReopenForm(VersionedForm):
    reason = forms.CharField(max_length=500)


class NoteForm(ActionForm):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)


class DoNotContactForm(ActionForm):
    # The confirmation: a person says what they are recording (the action has no other input).
    confirm = forms.BooleanField(label="The customer asked not to be contacted")


class AllowContactForm(ActionForm):
    confirm = forms.BooleanField(label="The customer agreed to be contacted again")


class BulkAssignForm(ActionForm):
    cases: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple
    )
    assignee: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Unassigned"
    )

    def __init__(self, *args, cases, people, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["cases"]).queryset = cases
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = people
