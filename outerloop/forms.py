from typing import cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from cxloop.core.actions import ActionForm
from cxloop.org.models import Department, Role
from feedback.models import Touchpoint

from .models import Stage


def staff_who_own_initiatives():
    """Managers, committee members and admins: the people who can be accountable for an initiative."""
    return (
        get_user_model()
        .objects.filter(
            Q(memberships__role__in=[Role.MANAGER, Role.COMMITTEE, Role.ADMIN]) | Q(is_superuser=True)
        )
        .filter(is_active=True)
        .distinct()
        .order_by("username")
    )


class DismissForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why dismiss it")


class MergeForm(forms.Form):
    into: forms.ModelChoiceField = forms.ModelChoiceField(queryset=None, label="Merge into")

    def __init__(self, *args, signals=None, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["into"]).queryset = signals


class PromoteForm(forms.Form):
    title = forms.CharField(max_length=200)
    problem = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Problem statement")
    owner: forms.ModelChoiceField = forms.ModelChoiceField(queryset=None, label="Accountable owner")
    departments = forms.ModelMultipleChoiceField(
        queryset=Department.objects.all(),
        required=False,
        help_text="Empty: the departments the signal touches.",
    )
    target_metric = forms.CharField(max_length=200, required=False, label="Target metric")
    target_touchpoint = forms.ModelChoiceField(
        queryset=Touchpoint.objects.all(), required=False, label="Target touchpoint"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = staff_who_own_initiatives()


ROLL_OUT_CONFIRM = "I understand: rolling out cannot be undone (it tells nobody: that is the next step)."


def _require_roll_out_confirmed(form: forms.Form) -> None:
    data = form.cleaned_data
    if data.get("to_stage") == Stage.ROLLED_OUT and not data.get("confirm"):
        form.add_error("confirm", "Tick the box to confirm the roll-out.")


class StageForm(ActionForm):
    # The page's field is `to_stage`; the action's input (and the API) call it `stage`.
    input_names = {"to_stage": "stage"}

    to_stage = forms.ChoiceField(choices=Stage.choices, label="Move to")
    note = forms.CharField(required=False, max_length=500)
    # The page's own check (the API's input has none): only a roll-out asks for it.
    confirm = forms.BooleanField(required=False, label=ROLL_OUT_CONFIRM)

    def __init__(self, *args, stages=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["to_stage"]).choices = [(s, Stage(s).label) for s in stages]
        if Stage.ROLLED_OUT not in stages:
            del self.fields["confirm"]

    def clean(self):
        data = super().clean()
        _require_roll_out_confirmed(self)
        return data


class MilestoneForm(forms.Form):
    title = forms.CharField(max_length=200, label="Milestone")
    due_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Due on")


class CommentForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Comment")


class InitiativeEditForm(forms.Form):
    priority_score = forms.FloatField(min_value=0, label="Priority score")
    target_metric = forms.CharField(max_length=200, required=False, label="Target metric")
    what_changed = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What changed (for customers and staff)",
    )


class TellCustomersForm(forms.Form):
    """The "Tell the customers" step: the sender's words; `confirm` only when sending, after the preview."""

    subject = forms.CharField(max_length=200, label="Subject")
    what_changed = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label="What we changed",
        help_text="In words a customer understands: it goes into the email as you write it.",
    )
    confirm = forms.BooleanField(required=False, label="I have read the email above: send it now.")

    def __init__(self, *args, sending: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.sending = sending

    def clean(self):
        data = super().clean() or {}
        if self.sending and not data.get("confirm"):
            self.add_error("confirm", "Tick the box to confirm: emails cannot be called back once sent.")
        return data
