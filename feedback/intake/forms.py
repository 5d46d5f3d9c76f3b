"""Forms for people: what a customer said in person, and what staff themselves raise.

Both build a contract item and store it through feedback_ingest, the same service as the API,
so validation and exactly-once storage are the same on every channel.
"""

import uuid
from typing import cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxloop.org.models import Team
from feedback.models import JourneyStage, Scale, Source, Touchpoint

IN_PERSON_KINDS = (Source.Kind.STORE, Source.Kind.CALL_CENTRE, Source.Kind.RETURNS, Source.Kind.EMAIL)


class _IdempotentForm(forms.Form):
    """A form for people that stores one item through the ingest service, for one of their teams."""

    # Generated when the form is shown: a double click or a resubmitted page stores one item.
    submission_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), to_field_name="slug", label=_("For which team")
    )

    def __init__(self, *args, teams: QuerySet[Team], team_required: bool, **kwargs):
        """`teams`: those the person may record feedback for. With one, it is theirs and not asked."""
        super().__init__(*args, **kwargs)
        self.fields["team"] = self.fields.pop("team")  # asked last
        self.only_team: Team | None
        if len(teams) == 1 and team_required:
            del self.fields["team"]
            self.only_team = teams[0]
        else:
            cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams
            self.fields["team"].required = team_required
            self.only_team = None

    def team_slug(self) -> str | None:
        team = self.only_team or self.cleaned_data.get("team")
        return team.slug if team else None


class QuickFeedbackForm(_IdempotentForm):
    source = forms.ModelChoiceField(
        queryset=Source.objects.filter(active=True, kind__in=IN_PERSON_KINDS),
        to_field_name="slug",
        label=_("Where did the customer say it?"),
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000, label=_("What they said")
    )
    scale = forms.ChoiceField(label=_("Scale"), choices=[("", _("No score")), *Scale.choices], required=False)
    score = forms.IntegerField(label=_("Score"), required=False, min_value=0, max_value=10)
    customer_name = forms.CharField(label=_("Customer name"), required=False, max_length=200)
    customer_email = forms.EmailField(label=_("Customer email"), required=False)
    customer_phone = forms.CharField(label=_("Customer phone"), required=False, max_length=32)
    customer_external_id = forms.CharField(required=False, max_length=200, label=_("Customer number"))
    touchpoint = forms.ModelChoiceField(
        label=_("Touchpoint"), queryset=Touchpoint.objects.all(), to_field_name="slug", required=False
    )
    journey_stage = forms.ModelChoiceField(
        label=_("Journey stage"), queryset=JourneyStage.objects.all(), to_field_name="slug", required=False
    )

    def contract_item(self, *, user) -> dict:
        data = self.cleaned_data
        item = {
            "source": data["source"].slug,
            "external_id": f"form-{data['submission_id']}",
            "comment": data["comment"],
            "occurred_at": timezone.now().isoformat(),
            "scale": data["scale"] or None,
            "score": data["score"],
            "touchpoint": data["touchpoint"].slug if data["touchpoint"] else None,
            "journey_stage": data["journey_stage"].slug if data["journey_stage"] else None,
            "team": self.team_slug(),
            "metadata": {"entered_by": user.username},
        }
        customer = {
            key: data[f"customer_{key}"]
            for key in ("external_id", "name", "email", "phone")
            if data.get(f"customer_{key}")
        }
        if customer.get("external_id") or customer.get("email"):
            item["customer"] = customer
        elif customer:
            item["metadata"]["customer_as_told"] = customer
        return item


class EmployeeFeedbackForm(_IdempotentForm):
    KINDS = (
        ("obstacle", _("An obstacle that gets in the way of customers")),
        ("idea", _("An idea to improve")),
    )

    kind = forms.ChoiceField(label=_("Kind"), choices=KINDS, widget=forms.RadioSelect, initial="obstacle")
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), max_length=10_000, label=_("What is it?")
    )
    touchpoint = forms.ModelChoiceField(
        label=_("Touchpoint"), queryset=Touchpoint.objects.all(), to_field_name="slug", required=False
    )
    journey_stage = forms.ModelChoiceField(
        label=_("Journey stage"), queryset=JourneyStage.objects.all(), to_field_name="slug", required=False
    )

    def contract_item(self, *, source: Source, user) -> dict:
        data = self.cleaned_data
        return {
            "source": source.slug,
            "external_id": f"staff-{data['submission_id']}",
            "comment": data["comment"],
            "occurred_at": timezone.now().isoformat(),
            "touchpoint": data["touchpoint"].slug if data["touchpoint"] else None,
            "journey_stage": data["journey_stage"].slug if data["journey_stage"] else None,
            "team": self.team_slug(),
            "metadata": {"type": data["kind"], "raised_by": user.username},
        }
