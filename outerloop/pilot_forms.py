"""The initiative page's pilot forms: set up a pilot, choose its controls."""

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxloop.org.models import Team
from cxloop.org.scoping import teams_visible_to
from feedback.models import Touchpoint

from .models import PilotDimension, Stage


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class PilotForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("Stage it pilots"),
        choices=[(Stage.PRE_TEST, Stage.PRE_TEST.label), (Stage.CUSTOMER_TEST, Stage.CUSTOMER_TEST.label)],
    )
    dimension = forms.ChoiceField(label=_("Pilot on"), choices=PilotDimension.choices)
    teams = forms.ModelMultipleChoiceField(
        label=_("Pilot teams or stores"), queryset=Team.objects.none(), required=False
    )
    touchpoints = forms.ModelMultipleChoiceField(
        label=_("Pilot touchpoints"), queryset=Touchpoint.objects.none(), required=False
    )
    baseline_start = forms.DateField(
        label=_("Baseline from"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The period before the pilot that the arms are compared on, and controls matched on."),
    )  # fmt: skip
    baseline_end = forms.DateField(
        label=_("Baseline to (inclusive)"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, auto_id="id_pilot_%s", **kwargs)
        self.fields["teams"].queryset = teams_visible_to(user=user)  # type: ignore[attr-defined]
        self.fields["touchpoints"].queryset = Touchpoint.objects.order_by("name")  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean() or {}
        dimension = data.get("dimension")
        teams, touchpoints = data.get("teams") or [], data.get("touchpoints") or []
        chosen, other = (
            ("teams", "touchpoints") if dimension == PilotDimension.TEAM else ("touchpoints", "teams")
        )
        if teams if other == "teams" else touchpoints:
            self.add_error(other, _("A pilot runs on units of one kind: teams, or touchpoints."))
        if not (teams if chosen == "teams" else touchpoints):
            self.add_error(chosen, _("Choose the units that run the pilot."))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        units = data["teams"] if data["dimension"] == PilotDimension.TEAM else data["touchpoints"]
        return {
            "stage": data["stage"],
            "dimension": data["dimension"],
            "unit_ids": [unit.pk for unit in units],
            "baseline_start": _day_start(data["baseline_start"]),
            "baseline_end": _day_start(data["baseline_end"] + timedelta(days=1)),
        }


class PilotControlsForm(forms.Form):
    controls = forms.TypedMultipleChoiceField(label=_("Controls"), coerce=int, choices=())

    def __init__(self, data=None, *, candidates, **kwargs):
        super().__init__(data, auto_id="id_controls_%s", **kwargs)
        self.fields["controls"].choices = [(unit.pk, str(unit)) for unit in candidates]  # type: ignore[attr-defined]
