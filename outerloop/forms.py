from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Why dismiss it"))


class MergeForm(forms.Form):
    into: forms.ModelChoiceField = forms.ModelChoiceField(queryset=None, label=_("Merge into"))
    # Merging cannot be undone: the box is required by the browser and by this form alike.
    confirm = forms.BooleanField(
        label=_("I understand: this signal closes for good and its evidence moves to the other one."),
        error_messages={"required": _("Tick the box to confirm the merge.")},
    )

    def __init__(self, *args, signals=None, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["into"]).queryset = signals


class PromoteForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    problem = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("Problem statement"))
    owner: forms.ModelChoiceField = forms.ModelChoiceField(queryset=None, label=_("Accountable owner"))
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments"),
        queryset=Department.objects.all(),
        required=False,
        help_text=_("Empty: the departments the signal touches."),
    )
    target_metric = forms.CharField(max_length=200, required=False, label=_("Target metric"))
    target_touchpoint = forms.ModelChoiceField(
        queryset=Touchpoint.objects.all(), required=False, label=_("Target touchpoint")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = staff_who_own_initiatives()


ROLL_OUT_CONFIRM = _("I understand: rolling out cannot be undone (it tells nobody: that is the next step).")
# The stage moves that cannot be undone, with the box the page asks to tick and the refusal without it.
ONE_WAY_STAGES: dict[str, tuple[Any, Any]] = {
    Stage.ROLLED_OUT: (ROLL_OUT_CONFIRM, _("Tick the box to confirm the roll-out.")),
    Stage.CLOSED: (
        _("I understand: a closed initiative cannot be reopened."),
        _("Tick the box to confirm closing the initiative."),
    ),
}


def _require_roll_out_confirmed(form: forms.Form) -> None:
    data = form.cleaned_data
    one_way = ONE_WAY_STAGES.get(data.get("to_stage") or "")
    if one_way is not None and not data.get("confirm"):
        form.add_error("confirm", one_way[1])


class StageForm(ActionForm):
    # The page's field is `to_stage`; the action's input (and the API) call it `stage`.
    input_names = {"to_stage": "stage"}

    to_stage = forms.ChoiceField(choices=Stage.choices, label=_("Move to"))
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    # The page's own check (the API's input has none): only a roll-out asks for it.
    confirm = forms.BooleanField(required=False, label=ROLL_OUT_CONFIRM)

    def __init__(self, *args, stages=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["to_stage"]).choices = [(s, Stage(s).label) for s in stages]
        asked = [ONE_WAY_STAGES[stage][0] for stage in stages if stage in ONE_WAY_STAGES]
        if asked:
            self.fields["confirm"].label = asked[0]
        else:
            del self.fields["confirm"]

    def clean(self):
        data = super().clean()
        _require_roll_out_confirmed(self)
        return data


class MilestoneForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Milestone"))
    due_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label=_("Due on"))


class CommentForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Comment"))


class InitiativeEditForm(forms.Form):
    priority_score = forms.FloatField(min_value=0, label=_("Priority score"))
    target_metric = forms.CharField(max_length=200, required=False, label=_("Target metric"))
    what_changed = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("What changed (for customers and staff)"),
    )


class TellCustomersForm(forms.Form):
    """The "Tell the customers" step: the sender's words; `confirm` only when sending, after the preview."""

    subject = forms.CharField(max_length=200, label=_("Subject"))
    what_changed = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label=_("What we changed"),
        help_text=_("In words a customer understands: it goes into the email as you write it."),
    )
    # For the customers whose feedback was in Portuguese (required when there are any: the preview says).
    subject_pt = forms.CharField(max_length=200, required=False, label=_("Subject"))
    what_changed_pt = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        label=_("What we changed"),
        help_text=_("For the customers whose feedback was in this language."),
    )
    confirm = forms.BooleanField(required=False, label=_("I have read the email above: send it now."))

    def __init__(
        self, *args, sending: bool = False, languages: set[str] | frozenset[str] = frozenset(), **kwargs
    ):
        """`languages`: those some recipients read besides the organisation's; the others' fields go."""
        super().__init__(*args, **kwargs)
        self.sending = sending
        if "pt" not in languages:
            del self.fields["subject_pt"], self.fields["what_changed_pt"]

    def clean(self):
        data = super().clean() or {}
        if self.sending and not data.get("confirm"):
            self.add_error("confirm", _("Tick the box to confirm: emails cannot be called back once sent."))
        return data

    def translations(self) -> dict[str, tuple[str, str]]:
        """The words per other language, as the preview and the service take them."""
        data = self.cleaned_data
        return (
            {"pt": (data.get("subject_pt", ""), data.get("what_changed_pt", ""))}
            if "subject_pt" in self.fields
            else {}
        )

    def language_groups(self) -> list[tuple[str, list]]:
        """The fields per language, for the page: (language name, [subject, what changed])."""
        groups = [(str(_("English")), [self["subject"], self["what_changed"]])]
        if "subject_pt" in self.fields:
            groups.append((str(_("Portuguese")), [self["subject_pt"], self["what_changed_pt"]]))
        return groups
