from django import forms

from cxloop.org.models import Department
from outerloop.forms import staff_who_own_initiatives
from outerloop.models import Initiative, Stage

from .models import Outcome


class MeetingForm(forms.Form):
    scheduled_for = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), label="Date and time"
    )


class DecisionOpenForm(forms.Form):
    initiative = forms.ModelChoiceField(queryset=Initiative.objects.filter(stage=Stage.PROPOSED))
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


class VoteForm(forms.Form):
    seat = forms.ModelChoiceField(queryset=None)
    choice = forms.ChoiceField(choices=Outcome.choices, label="Vote")

    def __init__(self, *args, seats=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seat"].queryset = seats


class ActionItemForm(forms.Form):
    title = forms.CharField(max_length=200, label="Action")
    owner = forms.ModelChoiceField(queryset=None)
    department = forms.ModelChoiceField(queryset=Department.objects.all(), required=False)
    due_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Due on")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_who_own_initiatives()


class HoldForm(forms.Form):
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class SystemReviewForm(forms.Form):
    held_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Held on")
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
