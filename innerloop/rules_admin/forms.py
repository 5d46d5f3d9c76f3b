"""The triage rule form: every condition and action as a choice of names, never a slug or JSON."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cxloop.org.models import Team
from feedback.models import Category, Customer, Feedback, JourneyStage, Scale, Source, Touchpoint, ValueTier
from innerloop.models import CaseKind, CaseRule, SlaPolicy

M2M_CONDITIONS = ("sources", "journey_stages", "touchpoints", "categories")


def segment_label(value: str) -> str:
    """A customer segment as words ("small_business" reads "Small business")."""
    return value.replace("_", " ").replace("-", " ").strip().capitalize()


def _segment_choices() -> list[tuple[str, str]]:
    values = Customer.objects.exclude(segment="").order_by("segment").values_list("segment", flat=True)
    return [(value, segment_label(value)) for value in values.distinct()]


class CategoryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return str(obj)  # "Delivery / Late", which says where it sits


def _checkboxes() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "checklist"})


class CaseRuleForm(forms.ModelForm):
    """A rule's conditions (each left empty matches everything) and what it opens, where, how fast."""

    scales = forms.MultipleChoiceField(
        label=_("Scale"), required=False, choices=Scale.choices, widget=_checkboxes()
    )
    source_kinds = forms.MultipleChoiceField(
        label=_("Channel"), required=False, choices=Source.Kind.choices, widget=_checkboxes()
    )
    segments = forms.MultipleChoiceField(
        label=_("Customer segment"), required=False, choices=_segment_choices, widget=_checkboxes()
    )
    value_tiers = forms.MultipleChoiceField(
        label=_("Customer value band"), required=False, choices=ValueTier.choices, widget=_checkboxes()
    )
    keywords = forms.CharField(
        label=_("Words in the comment"),
        required=False,
        max_length=1000,
        help_text=_("Comma-separated; any one of them matches, in any case."),
    )
    sources = forms.ModelMultipleChoiceField(
        label=_("Source"), required=False, queryset=Source.objects.order_by("name"), widget=_checkboxes()
    )
    touchpoints = forms.ModelMultipleChoiceField(
        label=_("Touchpoint"),
        required=False,
        queryset=Touchpoint.objects.order_by("name"),
        widget=_checkboxes(),
    )
    journey_stages = forms.ModelMultipleChoiceField(
        label=_("Journey stage"),
        required=False,
        queryset=JourneyStage.objects.order_by("position", "name"),
        widget=_checkboxes(),
    )
    categories = CategoryChoiceField(
        label=_("Category (a parent covers its children)"),
        required=False,
        queryset=Category.objects.filter(retired_at__isnull=True).select_related("parent"),
        widget=_checkboxes(),
    )

    class Meta:
        model = CaseRule
        fields = [
            "name", "position", "active",
            "scales", "score_min", "score_max", "source_kinds", "sources", "segments", "value_tiers",
            "min_annual_value", "sentiment_max", "categories", "min_confidence", "keywords",
            "journey_stages", "touchpoints",
            "action", "case_kind", "priority", "sla_policy", "routing", "team",
        ]  # fmt: skip
        labels = {
            "name": _("Name"),
            "position": _("Order (lower runs first)"),
            "active": _("Enabled"),
            "score_min": _("Score at least"),
            "score_max": _("Score at most"),
            "min_annual_value": _("Customer's annual value at least"),
            "sentiment_max": _("Comment's sentiment at most (-1 to 1)"),
            "min_confidence": _("Trust a suggested category from this confidence (0 to 1)"),
            "action": _("Then"),
            "case_kind": _("Kind of case"),
            "priority": _("Priority"),
            "sla_policy": _("Service level (SLA)"),
            "routing": _("Send it to"),
            "team": _("Team (for a fixed team, or when the routing finds none)"),
        }
        help_texts = {
            "sentiment_max": _("e.g. -0.3 for clearly negative comments"),
            "min_confidence": "",
            "team": "",
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name, queryset, empty in (
            ("case_kind", CaseKind.objects.order_by("name"), _("Choose a kind of case")),
            (
                "sla_policy",
                SlaPolicy.objects.order_by("first_contact_minutes"),
                _("None: the kind's usual targets"),
            ),
            ("team", Team.objects.order_by("name"), _("None")),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset, field.empty_label = queryset, empty
        if self.instance.pk:
            self.initial["keywords"] = ", ".join(self.instance.keywords)
        else:
            last = CaseRule.objects.order_by("-position").values_list("position", flat=True).first()
            self.initial.setdefault("position", (last or 0) + 10)

    def clean_keywords(self) -> list[str]:
        words = [word.strip() for word in (self.cleaned_data.get("keywords") or "").split(",")]
        too_long = [word for word in words if len(word) > 60]
        if too_long:
            raise forms.ValidationError(_("Each word or phrase is at most 60 characters."))
        return [word for word in words if word]

    def _check_scores(self, cleaned: dict) -> None:
        low, high = cleaned.get("score_min"), cleaned.get("score_max")
        if low is not None and high is not None and low > high:
            self.add_error("score_max", _("Must be at least the lowest score (%(low)s).") % {"low": low})
        ranges = [Feedback.SCALE_RANGES[Scale(scale)] for scale in cleaned.get("scales") or Scale.values]
        bottom, top = min(r[0] for r in ranges), max(r[1] for r in ranges)
        for name in ("score_min", "score_max"):
            value = cleaned.get(name)
            if value is not None and not bottom <= value <= top:
                self.add_error(
                    name,
                    _("No chosen scale has this score: scores run from %(bottom)s to %(top)s.")
                    % {"bottom": bottom, "top": top},
                )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._check_scores(cleaned)
        if cleaned.get("action") == CaseRule.Action.OPEN_CASE and not cleaned.get("case_kind"):
            self.add_error("case_kind", _("Choose the kind of case this rule opens."))
        if cleaned.get("routing") == CaseRule.Routing.FIXED and not cleaned.get("team"):
            self.add_error("team", _("Choose the team: the rule sends every case to it."))
        sentiment = cleaned.get("sentiment_max")
        if sentiment is not None and not -1 <= sentiment <= 1:
            self.add_error("sentiment_max", _("Sentiment runs from -1 (negative) to 1 (positive)."))
        return cleaned

    def related(self) -> dict[str, set[int]]:
        """The ids the many-to-many conditions name (for the dry run and for saving)."""
        return {name: {obj.pk for obj in self.cleaned_data.get(name) or []} for name in M2M_CONDITIONS}
