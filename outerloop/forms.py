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


class StageForm(ActionForm):
    # The page's field is `to_stage`; the action's input (and the API) call it `stage`.
    input_names = {"to_stage": "stage"}

    to_stage = forms.ChoiceField(choices=Stage.choices, label="Move to")
    note = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, stages=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["to_stage"]).choices = [(s, Stage(s).label) for s in stages]


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
