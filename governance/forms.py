from collections.abc import Sized
from typing import cast

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cxloop.org.models import Department
from outerloop.forms import staff_who_own_initiatives
from outerloop.models import ForecastMetric, Initiative, Stage

from .models import CommitteeSeat, Outcome, person_name


class MeetingForm(forms.Form):
    scheduled_for = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), label=_("Date and time")
    )


class DecisionOpenForm(forms.Form):
    initiative = forms.ModelChoiceField(
        label=_("Initiative"), queryset=Initiative.objects.filter(stage=Stage.PROPOSED)
    )
    rationale = forms.CharField(label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 3}))
    # The committee's forecast, recorded if the vote approves: all three, or none.
    forecast_metric = forms.ChoiceField(
        label=_("Forecast: metric"),
        choices=[("", _("No forecast")), *ForecastMetric.choices],
        required=False,
        help_text=_("What approving it should change. Give the metric, the change and the date, or none."),
    )
    forecast_change = forms.FloatField(
        label=_("Forecast: expected change"),
        required=False,
        min_value=-1000,
        max_value=1000,
        help_text=_("NPS points, or mentions per 1,000 feedback (a fall is negative)."),
    )
    forecast_by = forms.DateField(
        label=_("Forecast: by"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _model_choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """The form's own copy of its model choice field `name` (`form.fields` is typed as plain fields)."""
    return cast(forms.ModelChoiceField, form.fields[name])


def _offer(field: forms.ModelChoiceField, options, label) -> None:
    """List only `options` in the field, while any row of its queryset still passes the form.

    The service, not the form, decides whose seat or which person is refused, and says why.
    """
    field.choices = [("", field.empty_label), *((option.pk, label(option)) for option in options)]


class _OffersSeats:
    fields: dict[str, forms.Field]  # provided by the form it is mixed into

    @property
    def offers_a_seat(self) -> bool:
        choices = cast(forms.ModelChoiceField, self.fields["seat"]).choices
        return len(cast(Sized, choices)) > 1  # more than the empty choice; `_offer` set a list


class VoteForm(_OffersSeats, forms.Form):
    seat = forms.ModelChoiceField(label=_("Seat"), queryset=CommitteeSeat.objects.none())
    choice = forms.ChoiceField(choices=Outcome.choices, label=_("Vote"))

    def __init__(self, *args, committee_seats, voter_seats, voter, **kwargs):
        super().__init__(*args, **kwargs)
        _model_choice(self, "seat").queryset = committee_seats
        _offer(
            _model_choice(self, "seat"),
            voter_seats,
            lambda seat: (
                f"{seat.department} (your seat)"
                if seat.holder_id == voter.pk
                else f"{seat.department} (as proxy for {person_name(seat.holder)})"
            ),
        )


class ProxyForm(_OffersSeats, forms.Form):
    """A seat holder names who casts the seat's votes at this meeting."""

    seat = forms.ModelChoiceField(queryset=CommitteeSeat.objects.none(), label=_("Your seat"))
    proxy = forms.ModelChoiceField(queryset=get_user_model().objects.all(), label=_("Proxy"))

    def __init__(self, data=None, files=None, *, committee_seats, held_seats, candidates, **kwargs):
        # Its own ids: the vote forms on the same page have a `seat` field too.
        super().__init__(data, files, auto_id="id_proxy_%s", **kwargs)
        _model_choice(self, "seat").queryset = committee_seats
        _offer(_model_choice(self, "seat"), held_seats, lambda seat: str(seat.department))
        _offer(_model_choice(self, "proxy"), candidates, person_name)


class ProxyWithdrawForm(forms.Form):
    seat = forms.ModelChoiceField(queryset=CommitteeSeat.objects.none(), widget=forms.HiddenInput)

    def __init__(self, data=None, files=None, *, committee_seats, **kwargs):
        super().__init__(data, files, auto_id="id_withdraw_%s", **kwargs)
        _model_choice(self, "seat").queryset = committee_seats


class ActionItemForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Action"))
    owner: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Owner"), queryset=None)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.all(), required=False
    )
    due_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label=_("Due on"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _model_choice(self, "owner").queryset = staff_who_own_initiatives()


class HoldForm(forms.Form):
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    # Works without JavaScript: the browser and the form both require it.
    confirm = forms.BooleanField(
        label=_(
            "I understand: holding the meeting records its agenda and cannot be undone; "
            "open votes move to the next meeting."
        ),
        error_messages={"required": _("Tick the box to confirm the meeting is over.")},
    )

    def __init__(self, data=None, files=None, **kwargs):
        super().__init__(data, files, auto_id="id_hold_%s", **kwargs)


class DecisionWithdrawForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Why withdraw it"))
    confirm = forms.BooleanField(
        label=_("I understand: the vote ends here; its votes stay on record."),
        error_messages={"required": _("Tick the box to confirm the withdrawal.")},
    )

    def __init__(self, data=None, files=None, **kwargs):
        super().__init__(data, files, auto_id="id_withdraw_decision_%s", **kwargs)


class SystemReviewForm(forms.Form):
    held_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label=_("Held on"))
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}))
