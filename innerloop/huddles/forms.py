"""Forms of the huddle pages; the services do the writing."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from innerloop.models.huddles import WEEKDAYS, CommitmentState, HuddleCadence


class _PersonLabels:
    """Offers people by full name, or username when they have none."""

    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.username


class PersonChoiceField(_PersonLabels, forms.ModelChoiceField):
    pass


class PeopleChoiceField(_PersonLabels, forms.ModelMultipleChoiceField):
    pass


class PageForm(forms.Form):
    """Several forms share the huddle page: each gets its own id prefix so labels point at its fields."""

    id_prefix = "huddle"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class RecordForm(PageForm):
    id_prefix = "record"
    attendees = PeopleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, required=False, label=_("Who attended")
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=20_000
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        cast(PeopleChoiceField, self.fields["attendees"]).queryset = members


class CommitmentForm(PageForm):
    id_prefix = "commitment"
    text = forms.CharField(max_length=500, label=_("Commitment"))
    owner = PersonChoiceField(queryset=None, label=_("Owner"))
    due_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label=_("Due on"))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        cast(PersonChoiceField, self.fields["owner"]).queryset = members


class CommitmentStateForm(PageForm):
    id_prefix = "state"
    state = forms.ChoiceField(label=_("State"), choices=CommitmentState.choices)


class ObstacleForm(PageForm):
    id_prefix = "obstacle"
    text = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Obstacle the team cannot fix alone"),
    )
    escalate = forms.BooleanField(required=False, label=_("Escalate it now"))


class ReviewForm(PageForm):
    id_prefix = "review"
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000, label=_("Comment")
    )


class CadenceForm(forms.Form):
    """When a team meets; one form per team the lead leads, so each has its own prefix."""

    weekday = forms.TypedChoiceField(choices=WEEKDAYS, coerce=int, label=_("Day"))
    local_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), label=_("Time"))
    every_weeks = forms.IntegerField(min_value=1, max_value=8, label=_("Every how many weeks"))
    active = forms.BooleanField(required=False, label=_("The team holds huddles"))

    # Asked only while the team meets: switching its huddles off is confirmed (a POST unticking
    # "holds huddles" without this box is refused with the reason).
    confirm_off = forms.BooleanField(
        required=False,
        label=_("If you untick the box above: yes, switch this team's huddles off"),
        help_text=_("No huddle is scheduled for the team from then on, until a lead switches them on again."),
    )

    def __init__(self, *args, team, **kwargs):
        kwargs.setdefault("prefix", f"cadence-{team.pk}")
        super().__init__(*args, **kwargs)
        self.team = team
        # A team without a saved cadence meets by default (selectors.cadences_of).
        saved = HuddleCadence.objects.filter(team=team).values_list("active", flat=True).first()
        self.meets_now = saved is None or saved
        if not self.meets_now:
            del self.fields["confirm_off"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.meets_now and data.get("active") is False and not data.get("confirm_off"):
            self.add_error(
                "confirm_off", _("Tick the box to confirm: the team's huddles stop being scheduled.")
            )
        data.pop("confirm_off", None)
        return data
