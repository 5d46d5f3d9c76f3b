"""The upload form and the column-mapping form of a file import."""

import zoneinfo
from functools import cache
from typing import Any, cast

from django import forms
from django.utils.translation import gettext, gettext_lazy

from cxloop.org.models import Team
from feedback.models import Scale, Source
from feedback.permissions import Writer

from .mapping import (
    CONTRACT_KEYS,
    DAY_FIRST,
    ID_FROM_COLUMN,
    ID_FROM_CONTENT,
    MONTH_FIRST,
    Mapping,
    valid_timezone,
)

NOT_MAPPED = ("", gettext_lazy("(not imported)"))


@cache
def _timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


def field_name(key: str) -> str:
    """Form field for a contract key ("customer.email" -> "col_customer__email")."""
    return "col_" + key.replace(".", "__")


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV (UTF-8, UTF-16 or Windows-1252) or Excel .xlsx, with a header row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )
    source = forms.ModelChoiceField(
        label=gettext_lazy("Source"),
        queryset=Source.objects.filter(active=True),
        help_text=gettext_lazy("The channel this feedback came from."),
    )

    def __init__(self, *args, user, **kwargs):
        """Offer only the sources `user` may write (feedback.permissions): survey and review channels
        are fed by their integrations, so a team lead imports call logs, notes and returns."""
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["source"]).queryset = Writer.for_person(
            user
        ).writable_sources()


class MappingForm(forms.Form):
    external_id_mode = forms.ChoiceField(
        label=gettext_lazy("External id"),
        choices=[
            (ID_FROM_COLUMN, gettext_lazy("Take it from a column (below)")),
            (
                ID_FROM_CONTENT,
                gettext_lazy("Derive it from the row's content (for files without an id column)"),
            ),
        ],
        initial=ID_FROM_COLUMN,
        widget=forms.RadioSelect,
    )
    scale = forms.ChoiceField(
        label=gettext_lazy("Scale of every score"),
        choices=[("", gettext_lazy("No scale (or taken from a column)")), *Scale.choices],
        required=False,
    )
    timezone = forms.ChoiceField(
        label=gettext_lazy("Time zone of times written without an offset"),
        choices=_timezone_choices,
        initial="UTC",
    )
    date_order = forms.ChoiceField(
        label=gettext_lazy("Dates such as 03/04/2026 are"),
        choices=[
            (DAY_FIRST, gettext_lazy("day/month/year")),
            (MONTH_FIRST, gettext_lazy("month/day/year (US)")),
        ],
        initial=DAY_FIRST,
    )
    keep_other_columns = forms.BooleanField(
        label=gettext_lazy("Keep the other columns in the feedback's metadata"), required=False
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        to_field_name="slug",
        required=False,
        label=gettext_lazy("Team of rows without one"),
        help_text=gettext_lazy("Rows are filed under one of your teams: a team column, or this one."),
    )

    def __init__(self, *args, headers: list[str], teams, team_required: bool, **kwargs):
        """`teams`: those the importer may file feedback under (feedback.selectors.teams_to_file_under);
        with one, it is theirs and not asked."""
        super().__init__(*args, **kwargs)
        self.headers = headers
        self.team_required = team_required and len(teams) != 1
        if len(teams) == 1 and team_required:
            del self.fields["team"]
        else:
            cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams
        choices = [NOT_MAPPED] + [
            (str(index), header or gettext("Column %(n)s (no header)") % {"n": index + 1})
            for index, header in enumerate(headers)
        ]
        for key, label in CONTRACT_KEYS:
            self.fields[field_name(key)] = forms.ChoiceField(
                label=gettext_lazy(label), choices=choices, required=False
            )

    def column_fields(self):
        return [self[field_name(key)] for key, _ in CONTRACT_KEYS]

    def clean_timezone(self) -> str:
        name = self.cleaned_data["timezone"]
        if not valid_timezone(name):
            raise forms.ValidationError(gettext_lazy("Unknown time zone."))
        return name

    def clean(self) -> dict[str, Any]:
        super().clean()  # a Form's returns its cleaned_data
        data = self.cleaned_data
        mapped = {key for key, _ in CONTRACT_KEYS if data.get(field_name(key))}
        if data.get("external_id_mode") == ID_FROM_COLUMN and "external_id" not in mapped:
            self.add_error(
                field_name("external_id"), gettext("Choose the id column, or derive ids from the content.")
            )
        if "score" in mapped and not data.get("scale") and "scale" not in mapped:
            self.add_error("scale", gettext("Scores need a scale: choose one, or map a scale column."))
        if "scale" in mapped and data.get("scale"):
            self.add_error("scale", gettext("Choose a scale for every row or a scale column, not both."))
        if self.team_required and "team" not in mapped and not data.get("team"):
            self.add_error("team", gettext("Choose the team these rows are for, or map a team column."))
        customer_keys = {key for key in mapped if key.startswith("customer.")}
        if customer_keys and not customer_keys & {"customer.external_id", "customer.email"}:
            self.add_error(
                field_name("customer.external_id"), gettext("Customers need an id or an email column.")
            )
        return data

    def to_mapping(self) -> Mapping:
        data = self.cleaned_data
        columns = {key: int(data[field_name(key)]) for key, _ in CONTRACT_KEYS if data.get(field_name(key))}
        if data["external_id_mode"] == ID_FROM_CONTENT:
            columns.pop("external_id", None)
        return Mapping(
            columns=columns,
            scale=data.get("scale") or None,
            external_id_mode=data["external_id_mode"],
            timezone=data["timezone"],
            date_order=data["date_order"],
            keep_other_columns=data.get("keep_other_columns", False),
            team=data["team"].slug if data.get("team") else None,
        )

    @classmethod
    def initial_from(cls, mapping: Mapping) -> dict:
        initial = {
            "external_id_mode": mapping.external_id_mode,
            "scale": mapping.scale or "",
            "timezone": mapping.timezone,
            "date_order": mapping.date_order,
            "keep_other_columns": mapping.keep_other_columns,
            "team": mapping.team,
        }
        initial.update({field_name(key): str(index) for key, index in mapping.columns.items()})
        return initial
